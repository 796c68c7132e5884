"""ccm's one settings file: everything that differs between machines comes from the environment."""

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from ccm.reading import Limits
from ccmweb.accounts.client import parse_networks

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def envtext(name: str, default: str = "") -> str:
    """A text setting; set but blank (`DATABASE_URL=` in an env file) counts as unset."""
    return os.getenv(name, "").strip() or default


def envbool(name: str, default: str = "False") -> bool:
    """A yes/no setting (blank: the default, so `CCM_SMTP_TLS=` keeps TLS on); a value that is
    neither (CCM_HTTPS=ture) stops the start, named."""
    value = envtext(name, default).lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.getenv(name)!r}: expected one of {', '.join(TRUE_WORDS + FALSE_WORDS)}"
    )


def envint(name: str, default: int) -> int:
    """A whole-number setting (blank: the default); anything else stops the start, named."""
    value = envtext(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


def envlist(name: str, default: str = "") -> list[str]:
    """A comma-separated setting as its entries, each stripped, blank ones dropped."""
    return [entry.strip() for entry in envtext(name, default).split(",") if entry.strip()]


#: The databases ccm runs on (it writes with PostgreSQL's COPY, or SQLite's own INSERTs).
DATABASE_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")


def envdatabase(name: str, default: str) -> dj_database_url.DBConfig:
    """The database URL in NAME (else DEFAULT) as Django's settings; one that is not PostgreSQL
    or SQLite stops the start, named by its scheme alone: the URL may hold a password."""
    url = envtext(name, default)
    scheme = url.split("://", 1)[0] if "://" in url else ""
    try:
        found = dj_database_url.parse(url)
    except ValueError:
        found = dj_database_url.DBConfig()
    if found.get("ENGINE") not in DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"{name}: ccm runs on PostgreSQL (postgres://user@host:5432/name) or SQLite"
            f" (sqlite:////path/to/file), not {scheme + '://' if scheme else 'that value'}"
        )
    return found


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = envtext(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:  # the path is not the secret: it may be named
            raise ImproperlyConfigured(
                f"{name}_FILE={path!r}: cannot be read ({error.strerror or error})"
            ) from None
    return os.getenv(name, default)


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envtext("CCM_DATA_DIR", "var")).resolve()  # blank is not the current folder
DEBUG = envbool("CCM_DEBUG")
TESTING = envbool("CCM_TESTING") or "pytest" in sys.modules


def _secret_key() -> str:
    """CCM_SECRET_KEY, else a random key kept in the data dir so sessions survive restarts."""
    key = envsecret("CCM_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("CCM_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CCM_CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:  # with no scheme it never matches a request's Origin
    if "://" not in _origin:
        raise ImproperlyConfigured(
            f"CCM_CSRF_TRUSTED_ORIGINS: {_origin!r} needs its scheme, e.g. 'https://{_origin}'"
        )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "ccmweb.tenants",
    "ccmweb.accounts",
    "ccmweb.patients",
    "ccmweb.enrollment",
    "ccmweb.careplans",
    "ccmweb.assessments",
    "ccmweb.care_tasks",
    "ccmweb.medications",
    "ccmweb.timelog",
    "ccmweb.billing",
    "ccmweb.imports",
    "ccmweb.jobs",
    "ccmweb.reports",
]

MIDDLEWARE = [
    "ccmweb.accounts.client.ClientAddressMiddleware",  # first: REMOTE_ADDR is the client
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "ccmweb.accounts.middleware.IdleTimeoutMiddleware",
    "ccmweb.tenants.middleware.TenantScopeMiddleware",
    "ccmweb.tenants.localtime.PracticeTimeZoneMiddleware",  # after the tenant: its practices
    "ccmweb.accounts.middleware.RequireTwoFactorMiddleware",
]

ROOT_URLCONF = "ccmweb.urls"
WSGI_APPLICATION = "ccmweb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ccmweb.tenants.context.tenant",
            ],
            "builtins": ["ccmweb.templatefilters"],  # css_string, for values inside CSS
        },
    }
]

# SQLite under CCM_DATA_DIR unless DATABASE_URL says otherwise (tests: CCM_TEST_DATABASE_URL).
_default_db = f"sqlite:///{DATA_DIR / 'ccm.sqlite3'}"
_database_from = (
    "CCM_TEST_DATABASE_URL" if TESTING and envtext("CCM_TEST_DATABASE_URL") else "DATABASE_URL"
)
DATABASES = {"default": envdatabase(_database_from, _default_db)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # optimize=0x10002 (SQLite ≥ 3.46) analyzes tables whose planner statistics are missing
        # or stale when a connection opens; older SQLite ignores it. No analysis_limit: its
        # sampled statistics made the planner scan every condition of the organisation. Not
        # in tests: their in-memory database is shared between threads with table locks, and
        # a background thread's new connection met "database table is locked" analyzing it.
        "init_command": "PRAGMA journal_mode=WAL; "
        + (
            "PRAGMA synchronous=OFF;"
            if TESTING
            else "PRAGMA synchronous=NORMAL; PRAGMA optimize=0x10002;"
        ),
    }
    # Tests: a database file, not SQLite's shared in-memory one, whose table locks fail at
    # once when two threads meet (the live server's, a task worker's) instead of waiting.
    # In memory all the same where the machine has a RAM disk.
    _shm = Path("/dev/shm")
    _tmp = _shm if _shm.is_dir() and os.access(_shm, os.W_OK) else Path(tempfile.gettempdir())
    _test_db = _tmp / f"ccm-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CCM_DB_CONN_MAX_AGE", 60)
    if not TESTING:
        # A second connection to the same database for background jobs' progress
        # (ccmweb/jobs/tasks.py): the close is one transaction, and what it writes on its own
        # connection shows only when it commits. SQLite has a single writer, so there the
        # close's progress shows when it ends; tests keep it on the test's connection.
        DATABASES["progress"] = {**DATABASES["default"], "CONN_MAX_AGE": 0}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (ccmweb/jobs): Django's tasks framework, stored in the database and run by
# `ccm worker` (`ccm serve` starts CCM_TASK_WORKERS of them). Tests run tasks as they are
# queued (the immediate backend); "database" lets them test the worker itself.
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
if TESTING:
    TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
        "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }

# The value sets of the quality measures' exclusions (CMS122, CMS165): a YAML file shaped as
# ccm/reports/exclusions.yaml, e.g. with VSAC's full expansions; unset: the shipped file.
MEASURE_VALUE_SETS = os.getenv("CCM_MEASURE_VALUE_SETS", "")

# E-mail (password reset): SMTP when CCM_SMTP_HOST is set; otherwise each message is a file
# under CCM_DATA_DIR/outbox, never printed to the server log (a reset link is a credential).
if os.getenv("CCM_SMTP_HOST"):
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ["CCM_SMTP_HOST"],
            "port": envint("CCM_SMTP_PORT", 587),
            "username": os.getenv("CCM_SMTP_USER", ""),
            "password": envsecret("CCM_SMTP_PASSWORD"),
            "use_tls": envbool("CCM_SMTP_TLS", "True"),
        },
    }
else:
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = envtext("CCM_MAIL_FROM", "ccm <no-reply@localhost>")
PASSWORD_RESET_TIMEOUT = envint("CCM_PASSWORD_RESET_SECONDS", 3600)  # a link works one hour
INVITE_DAYS = envint("CCM_INVITE_DAYS", 7)  # how long an invitation link works (once)

# "shared": small state every gunicorn worker must see alike (files under CCM_DATA_DIR): how
# often a password reset link was asked for (accounts/views.py). Long work's progress is on its
# job's row (ccmweb/jobs), not here.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "shared"),
    },
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ccmweb.accounts.passwords.OrganizationMinimumLength"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes): per username and address.
AXES_FAILURE_LIMIT = envint("CCM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("CCM_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "ccmweb.accounts.client.client_ip"

# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): the
# client's address is then the nearest untrusted one (ccmweb/accounts/client.py); from any
# other peer the header is ignored. Default: a proxy on this machine.
TRUSTED_PROXIES = envtext("CCM_TRUSTED_PROXIES", "127.0.0.1,::1")
try:  # a typo fails at start, not at the first request
    parse_networks(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None

# Bounds on every file an import reads (docs/security.md, "Hostile input"): CCM_LIMIT_FILE_BYTES,
# CCM_LIMIT_DOCUMENT_BYTES, CCM_LIMIT_LINE_BYTES, CCM_LIMIT_FIELD_CHARS, CCM_LIMIT_DEPTH,
# CCM_LIMIT_ENTRIES, CCM_LIMIT_FILES, CCM_LIMIT_DIGITS; each defaults to ccm.reading's.
INPUT_LIMITS = Limits(
    **{
        name: envint(f"CCM_LIMIT_{name.upper()}", getattr(Limits(), name))
        for name in Limits.__dataclass_fields__
    }
)

# Sessions: expire after CCM_IDLE_MINUTES without a request (default 15), and on browser close.
IDLE_TIMEOUT_SECONDS = envint("CCM_IDLE_MINUTES", 15) * 60
SESSION_COOKIE_AGE = IDLE_TIMEOUT_SECONDS
# Saved when changed: IdleTimeoutMiddleware writes the last request's time at most once a
# minute, so the stored expiry trails the last request by under a minute, as its check does.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Secure cookies and HSTS when served over HTTPS (CCM_HTTPS=1 behind a TLS proxy).
HTTPS = envbool("CCM_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (Django 6's built-in): only our own origin, scripts by nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # ccmweb itself is not an app: its static/ is listed
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Static files looked up when asked, not listed when the middleware is made: the test client
# makes the middleware again for each new client, and listing every file each time was 13 % of
# the isolation tests' time.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Logs never carry patient data: we log paths with opaque ids only, never request bodies.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = envtext("CCM_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(
        f"CCM_LOG_LEVEL={os.getenv('CCM_LOG_LEVEL')!r}: expected one of "
        + ", ".join(level.lower() for level in LOG_LEVELS)
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's request logger would print the URL of failed requests; ours carry only
        # opaque ids, but the "django.security" logger may echo disallowed host headers.
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
    },
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # one test process (the live server is a thread of it): shared state kept in memory, cleared
    # by the tests' fixtures, never left in CCM_DATA_DIR by a test
    CACHES["shared"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "shared",
    }
    AXES_ENABLED = envbool("CCM_TEST_AXES", "True")
