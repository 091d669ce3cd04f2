output "region" {
  description = "AWS region (INVORTO_S3_REGION)."
  value       = var.region
}

output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.main.id
}

output "vpc_cidr" {
  description = "The VPC's CIDR: the ipBlock of control's NetworkPolicy in the production overlay."
  value       = aws_vpc.main.cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (nodes, Redis, PostgreSQL)."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Public subnets (the ALBs of the Ingresses)."
  value       = aws_subnet.public[*].id
}

output "cluster_name" {
  description = "EKS cluster name: aws eks update-kubeconfig --name <this>."
  value       = aws_eks_cluster.main.name
}

output "cluster_endpoint" {
  description = "EKS API endpoint."
  value       = aws_eks_cluster.main.endpoint
}

output "oidc_provider_arn" {
  description = "The cluster's OIDC identity provider (IAM roles for service accounts)."
  value       = aws_iam_openid_connect_provider.eks.arn
}

output "edge_role_arn" {
  description = "IAM role of the invorto-edge service account (its eks.amazonaws.com/role-arn annotation)."
  value       = aws_iam_role.service_account["edge"].arn
}

output "control_role_arn" {
  description = "IAM role of the invorto-control service account (its eks.amazonaws.com/role-arn annotation)."
  value       = aws_iam_role.service_account["control"].arn
}

output "read_secrets_policy_arn" {
  description = "Policy that reads invorto-secrets from Secrets Manager (attach it to the External Secrets Operator's role)."
  value       = aws_iam_policy.read_secrets.arn
}

output "artifacts_bucket" {
  description = "The artifacts bucket (INVORTO_S3_BUCKET)."
  value       = aws_s3_bucket.artifacts.bucket
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary endpoint (TLS, auth token; the full URL is redis-url in the secret)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "postgres_endpoint" {
  description = "RDS endpoint host:port (the full URL is database-url in the secret)."
  value       = aws_db_instance.postgres.endpoint
}

output "secrets_manager_secret_arn" {
  description = "Secrets Manager secret holding every key of the Kubernetes Secret invorto-secrets."
  value       = aws_secretsmanager_secret.invorto.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting EKS secrets, S3, Secrets Manager, RDS and ElastiCache."
  value       = aws_kms_key.main.arn
}
