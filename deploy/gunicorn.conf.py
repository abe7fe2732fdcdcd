"""gunicorn settings for the survey behind nginx (deploy/nginx/survey.conf).

Started by deploy/systemd/survey.service; command-line options override these.
"""

# Only nginx, on the same machine, talks to gunicorn.
bind = "127.0.0.1:8000"
# gthread: each worker serves keep-alive connections from a few threads. Raise workers with
# the CPU count; nothing lives in a worker's memory (sessions are cookies, limits in Redis).
workers = 2
threads = 4
# A request that takes longer than this restarts its worker (large exports: use the CLI).
timeout = 300
graceful_timeout = 30
keepalive = 30
# nginx sets X-Forwarded-Proto; gunicorn believes it from nginx only.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"
