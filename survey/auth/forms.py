from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from survey.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    repeat_password = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )
    submit = SubmitField(_l("Change my password"))


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Choose this password"))


class NewTokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Length(max=100)])
    submit = SubmitField(_l("Create a token"))
