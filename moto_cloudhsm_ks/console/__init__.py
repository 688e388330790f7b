"""The console view of CloudHSM key stores, served by the mock server.

A page at `/moto-api/cloudhsm-ks/console/` lists the AWS_CLOUDHSM key stores of
one account and Region and the HSMs of their clusters. It reads the plugin's
registries through two JSON endpoints and never changes them.
"""
