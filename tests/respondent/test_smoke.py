def test_a_russian_respondent_completes_the_questionnaire(make_respondent):
    person = make_respondent("ru")
    final = person.complete({"q1": "public", "q2": "no", "q3": "RU", "q14_libraries": "1"})
    assert final.location.endswith("/ru/thanks")
