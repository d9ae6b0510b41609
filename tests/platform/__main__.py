"""`python -m tests.platform --port 8765`: the reference platform with the demo account."""

from __future__ import annotations

import argparse

from tests.platform.server import PlatformServer
from tests.platform.state import DEMO_DEPARTMENT, DEMO_USCC


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.platform",
                                     description="上饶市公共信用信息平台（参考实现，仅监听 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--base-path", default="/api/v1", help="base path of the interface (default /api/v1)")
    parser.add_argument("--now", help="start the platform clock at this ISO 8601 time (default: real time)")
    parser.add_argument("--catalog-version", help="version string of the served catalog")
    parser.add_argument("--expires-in", type=int, default=7200, help="token lifetime in seconds")
    parser.add_argument("--max-failures", type=int, default=5, help="wrong passwords that lock an account")
    parser.add_argument("--page-size", type=int, default=100, help="items per list/feedback page")
    parser.add_argument("--no-demo-data", action="store_true", help="start with an empty list")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    server = PlatformServer(args.port, args.base_path, now=args.now, catalog_version=args.catalog_version,
                            demo=not args.no_demo_data, verbose=args.verbose, expires_in=args.expires_in,
                            max_failures=args.max_failures, page_size=args.page_size)
    print(f"base URL:    {server.base_url}")
    print(f"control:     {server.control_url}")
    print(f"username:    {server.username}")
    print(f"password:    {server.password}")
    print(f"department:  {DEMO_DEPARTMENT} / {DEMO_USCC}")
    print("kinds:       license, penalty, enforcement, inspection")
    print(f"catalog:     {server.catalog_version}")
    print("Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
