"""The documented local UI: the api-server listens on 127.0.0.1 only and refuses unauthenticated calls."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from pipeline.runner import api_server

pytestmark = pytest.mark.e2e


def _non_loopback_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outward interface
            address = str(s.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_api_server_binds_loopback_and_requires_authentication(airflow_db):
    from pipeline.runner import free_port, ui_environment

    port = free_port()
    with api_server(ui_environment(airflow_db, port=port), port) as health:
        assert "metadatabase" in health
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/dags", timeout=5)
        assert refused.value.code in (401, 403)
        refused.value.close()
        other = _non_loopback_address()
        if other is not None:  # the same port on the machine's outward address is closed
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((other, port)) != 0
