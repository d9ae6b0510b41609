"""TLS: certificates are verified; a deployment's own CA bundle (government networks often use an
internal CA) makes the platform trusted. The reference platform is served over TLS on 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest

from app.platform.client import PlatformClient, RetryPolicy
from app.platform.errors import NetworkError
from tests.platform.server import PlatformServer

cryptography = pytest.importorskip("cryptography")


def _ca_and_cert(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "上饶市政务外网测试CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem = folder / "ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = folder / "server.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_pem, chain


@pytest.fixture
def tls_platform(tmp_path):
    ca_pem, chain = _ca_and_cert(tmp_path)
    server = PlatformServer(port=0, now="2026-11-26T10:00:00+08:00")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
    server.start()
    url = f"https://127.0.0.1:{server.port}{server.base_path}"
    yield server, url, ca_pem
    server.stop()


def test_an_unknown_certificate_is_refused_with_a_clear_message(tls_platform):
    server, url, _ca = tls_platform
    client = PlatformClient(url, username=server.username, password=server.password,
                            retry=RetryPolicy(attempts=1))
    with pytest.raises(NetworkError, match="证书"):
        client.login()


def test_the_deployments_ca_bundle_makes_it_trusted(tls_platform):
    server, url, ca = tls_platform
    client = PlatformClient(url, username=server.username, password=server.password, ca_bundle=str(ca),
                            retry=RetryPolicy(attempts=1))
    account = client.login()
    assert account.department_uscc == "113611000145004524"
    assert client.get_catalog(None).status == 200
    client.close()


def test_the_configured_proxy_is_used(platform):
    """A proxy from the settings carries the requests (here a tiny forwarding proxy on 127.0.0.1)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests

    seen = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def _forward(self):
            seen.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
            r = requests.request(self.command, self.path, data=body, headers=headers, proxies={"http": None})
            self.send_response(r.status_code)
            for k, v in r.headers.items():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(r.content)))
            self.end_headers()
            self.wfile.write(r.content)

        do_GET = do_POST = _forward

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        client = PlatformClient(platform.base_url, username=platform.username, password=platform.password,
                                proxy=f"http://127.0.0.1:{proxy.server_address[1]}", retry=RetryPolicy(attempts=1))
        client.login()
        assert client.get_catalog(None).status == 200
        assert any(p.endswith("/auth/token") for p in seen) and any(p.endswith("/catalog") for p in seen)
    finally:
        proxy.shutdown()
        proxy.server_close()
