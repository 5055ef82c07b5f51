"""The shared Temporal connection flags of the worker entry points."""

import argparse

from bert_types.connection import add_connection_arguments, settings_from_arguments


def test_flags_become_settings_and_unset_ones_stay_none() -> None:
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    args = parser.parse_args(["--address", "temporal.example:7233", "--tls-cert", "client.pem"])
    settings = settings_from_arguments(args)
    assert settings.address == "temporal.example:7233"
    assert settings.tls_cert_path == "client.pem"
    assert settings.namespace is None
    assert settings.tls is None
    assert settings.api_key is None
