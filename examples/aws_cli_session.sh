#!/usr/bin/env bash
# Build a CloudHSM key store with the AWS CLI, following the AWS getting-started
# guides, against a running `moto-cloudhsm-ks server`. The steps inside the
# cluster (activate it, create kmsuser) use `moto-cloudhsm-ks cloudhsm-cli`,
# because no AWS API does them.
#
# Usage:
#   moto-cloudhsm-ks server --port 5000 &
#   AWS_ENDPOINT_URL=http://127.0.0.1:5000 examples/aws_cli_session.sh
#
# Needs the AWS CLI, openssl and moto-cloudhsm-ks on PATH.
set -euo pipefail

: "${AWS_ENDPOINT_URL:?Set AWS_ENDPOINT_URL to the server URL, such as http://127.0.0.1:5000}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
# The server accepts any credentials; these keep real ones out of the session.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN
export AWS_PAGER=""

admin_password="adminPswd123"
kmsuser_password="kmsPswd123"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

# Print the cluster's state, and PENDING while one of its HSMs is not ACTIVE.
cluster_state() {
  aws cloudhsmv2 describe-clusters --filters "clusterIds=$1" \
    --query 'Clusters[0].[length(Hsms[?State!=`ACTIVE`]), State]' --output text |
    awk '{ print ($1 == 0 ? $2 : "PENDING") }'
}

# Describe the cluster every second until it is in state $2 with all HSMs ACTIVE.
wait_for_cluster() {
  local state
  for _ in $(seq 1 60); do
    state="$(cluster_state "$1")"
    if [ "$state" = "$2" ]; then
      return 0
    fi
    sleep 1
  done
  echo "Cluster $1 is still $state, not $2, after 60 s." >&2
  return 1
}

cloudhsm_cli() {
  moto-cloudhsm-ks cloudhsm-cli --cluster-id "$cluster_id" "$@"
}

echo "== A VPC with subnets in two Availability Zones"
vpc_id="$(aws ec2 create-vpc --cidr-block 10.0.0.0/16 --query Vpc.VpcId --output text)"
read -r zone_a zone_b < <(aws ec2 describe-availability-zones \
  --query 'AvailabilityZones[0:2].ZoneName' --output text)
subnet_a="$(aws ec2 create-subnet --vpc-id "$vpc_id" --cidr-block 10.0.0.0/24 \
  --availability-zone "$zone_a" --query Subnet.SubnetId --output text)"
subnet_b="$(aws ec2 create-subnet --vpc-id "$vpc_id" --cidr-block 10.0.1.0/24 \
  --availability-zone "$zone_b" --query Subnet.SubnetId --output text)"

echo "== A cluster with one HSM"
cluster_id="$(aws cloudhsmv2 create-cluster --hsm-type hsm2m.medium \
  --subnet-ids "$subnet_a" "$subnet_b" --query Cluster.ClusterId --output text)"
aws cloudhsmv2 create-hsm --cluster-id "$cluster_id" \
  --availability-zone "$zone_a" --output text --query Hsm.HsmId
wait_for_cluster "$cluster_id" UNINITIALIZED

echo "== Sign the cluster CSR with our own CA and initialize the cluster"
aws cloudhsmv2 describe-clusters --filters "clusterIds=$cluster_id" \
  --query 'Clusters[0].Certificates.ClusterCsr' --output text >"$workdir/cluster.csr"
openssl req -x509 -newkey rsa:2048 -nodes -days 3652 -subj "/CN=Example CA" \
  -keyout "$workdir/customerCA.key" -out "$workdir/customerCA.crt" 2>/dev/null
openssl x509 -req -days 3652 -in "$workdir/cluster.csr" \
  -CA "$workdir/customerCA.crt" -CAkey "$workdir/customerCA.key" -CAcreateserial \
  -out "$workdir/cluster.crt" 2>/dev/null
aws cloudhsmv2 initialize-cluster --cluster-id "$cluster_id" \
  --signed-cert "file://$workdir/cluster.crt" \
  --trust-anchor "file://$workdir/customerCA.crt" --query State --output text
wait_for_cluster "$cluster_id" INITIALIZED

echo "== Activate the cluster and create kmsuser with the CloudHSM CLI"
# Passwords go through standard input and the environment, not the command line.
printf '%s\n' "$admin_password" | cloudhsm_cli cluster-activate
printf '%s\n' "$kmsuser_password" |
  CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$admin_password" \
    cloudhsm_cli user-create --username kmsuser --role crypto-user

echo "== A second HSM in the other Availability Zone"
aws cloudhsmv2 create-hsm --cluster-id "$cluster_id" \
  --availability-zone "$zone_b" --output text --query Hsm.HsmId
wait_for_cluster "$cluster_id" ACTIVE

echo "== The custom key store"
store_id="$(aws kms create-custom-key-store \
  --custom-key-store-name ExampleCloudHSMKeyStore \
  --cloud-hsm-cluster-id "$cluster_id" \
  --trust-anchor-certificate "file://$workdir/customerCA.crt" \
  --key-store-password "$kmsuser_password" \
  --query CustomKeyStoreId --output text)"
aws kms connect-custom-key-store --custom-key-store-id "$store_id"
state=CONNECTING
for _ in $(seq 1 60); do
  state="$(aws kms describe-custom-key-stores --custom-key-store-id "$store_id" \
    --query 'CustomKeyStores[0].ConnectionState' --output text)"
  if [ "$state" != CONNECTING ]; then
    break
  fi
  sleep 1
done
aws kms describe-custom-key-stores --custom-key-store-id "$store_id" \
  --query 'CustomKeyStores[0].[CustomKeyStoreName, CloudHsmClusterId, ConnectionState]' \
  --output text
echo "Custom key store $store_id is $state"
[ "$state" = CONNECTED ]
