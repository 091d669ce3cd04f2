# One Secrets Manager secret holding every key of the Kubernetes Secret invorto-secrets (docs/deploy.md), drawn
# once here. Sync it into the cluster with the External Secrets Operator, or by hand with the command in
# README.md. Vendor keys (deepgram-api-key, openai-api-key, twilio-auth-token) are added to it by the operator.
data "aws_secretsmanager_random_password" "postgres" {
  password_length     = 32
  exclude_punctuation = true
}

data "aws_secretsmanager_random_password" "redis" {
  password_length     = 48
  exclude_punctuation = true
}

data "aws_secretsmanager_random_password" "app" {
  for_each            = toset(["jwt-secret", "internal-token", "media-token-secret"])
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "invorto" {
  name                    = "${local.name}/invorto-secrets"
  description             = "Keys of the Kubernetes Secret invorto-secrets (edges and control)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "invorto" {
  secret_id = aws_secretsmanager_secret.invorto.id
  secret_string = jsonencode({
    "database-url"       = "postgres://invorto:${data.aws_secretsmanager_random_password.postgres.random_password}@${aws_db_instance.postgres.endpoint}/invorto?sslmode=require"
    "redis-url"          = "rediss://:${data.aws_secretsmanager_random_password.redis.random_password}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379"
    "jwt-secret"         = data.aws_secretsmanager_random_password.app["jwt-secret"].random_password
    "internal-token"     = data.aws_secretsmanager_random_password.app["internal-token"].random_password
    "media-token-secret" = data.aws_secretsmanager_random_password.app["media-token-secret"].random_password
  })

  lifecycle {
    # Drawn once: later plans draw new values, which must not replace the ones in use.
    ignore_changes = [secret_string]
  }
}
