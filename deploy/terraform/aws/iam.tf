# IAM roles for service accounts: the edge's and control's Kubernetes service accounts (namespace invorto, names
# as in deploy/k8s/overlays/production/service-accounts.yaml) assume these roles through the cluster's OIDC issuer.
locals {
  oidc_issuer = replace(aws_eks_cluster.main.identity[0].oidc[0].issuer, "https://", "")
  service_accounts = {
    edge    = "invorto-edge"
    control = "invorto-control"
  }
}

resource "aws_iam_role" "service_account" {
  for_each = local.service_accounts
  name     = "${local.name}-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.eks.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.oidc_issuer}:sub" = "system:serviceaccount:invorto:${each.value}"
          "${local.oidc_issuer}:aud" = "sts.amazonaws.com"
        }
      }
    }]
  })
}

# Both read and write the artifacts bucket (the edges' phrase cache, control's artifacts) through the KMS key.
resource "aws_iam_role_policy" "artifacts" {
  for_each = local.service_accounts
  name     = "artifacts"
  role     = aws_iam_role.service_account[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = aws_s3_bucket.artifacts.arn
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:GetObjectTagging", "s3:PutObjectTagging"]
        Resource = "${aws_s3_bucket.artifacts.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.main.arn
      },
    ]
  })
}

# The role the External Secrets Operator (or an operator by hand) uses to read invorto-secrets.
resource "aws_iam_policy" "read_secrets" {
  name = "${local.name}-read-invorto-secrets"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = aws_secretsmanager_secret.invorto.arn
      },
      {
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.main.arn
      },
    ]
  })
}
