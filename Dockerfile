# moto's server with moto-cloudhsm-ks, for the AWS CLI, Terraform and other SDKs.
#
#   docker build -t moto-cloudhsm-ks .
#   docker run --rm -p 127.0.0.1:5000:5000 moto-cloudhsm-ks
#   AWS_ENDPOINT_URL=http://127.0.0.1:5000 aws kms describe-custom-key-stores
FROM python:3.12-slim

WORKDIR /src
COPY . .
RUN pip install --no-cache-dir . \
    && rm -rf /src \
    && useradd --create-home moto

USER moto
WORKDIR /home/moto
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/moto-api/data.json', timeout=2)"]
# Inside the container the server listens on every interface, so that the
# published port reaches it. Publish it on 127.0.0.1 only, as above.
CMD ["moto-cloudhsm-ks", "server", "--host", "0.0.0.0", "--port", "5000"]
