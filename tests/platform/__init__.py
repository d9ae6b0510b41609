"""The reference city platform (platform-api.md), for tests and for trying CreditDesk by hand.

    python -m tests.platform --port 8765

    from tests.platform import PlatformServer
    with PlatformServer(port=0) as platform:
        ... platform.base_url, platform.username, platform.password ...
"""

from tests.platform.faults import Fault
from tests.platform.server import PlatformServer
from tests.platform.state import DEMO_DEPARTMENT, DEMO_PASSWORD, DEMO_USCC, DEMO_USERNAME, Config

__all__ = ["DEMO_DEPARTMENT", "DEMO_PASSWORD", "DEMO_USCC", "DEMO_USERNAME", "Config", "Fault", "PlatformServer"]
