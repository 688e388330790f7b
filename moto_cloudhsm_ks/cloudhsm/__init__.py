"""The mocked CloudHSM (cloudhsmv2) cluster."""
