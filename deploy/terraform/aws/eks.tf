# EKS with three managed node pools, labelled and tainted as deploy/k8s/overlays/production expects:
# "edge" (one edge per node, on the node's network), "sip-front" (Kamailio) and "general" (control, add-ons).
resource "aws_iam_role" "cluster" {
  name = "${local.name}-eks-cluster"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "eks.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_kms_key" "main" {
  description         = "${local.name}: EKS secrets, S3 artifacts, Secrets Manager, RDS and ElastiCache at rest"
  enable_key_rotation = true
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_eks_cluster" "main" {
  name     = local.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = concat(aws_subnet.private[*].id, aws_subnet.public[*].id)
    endpoint_private_access = true
    endpoint_public_access  = length(var.cluster_admin_cidrs) > 0
    public_access_cidrs     = length(var.cluster_admin_cidrs) > 0 ? var.cluster_admin_cidrs : null
  }

  access_config {
    authentication_mode = "API"
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.main.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator"]
  depends_on                = [aws_iam_role_policy_attachment.cluster]
}

# IAM roles for service accounts: the cluster's OIDC issuer as an identity provider.
resource "aws_iam_openid_connect_provider" "eks" {
  url            = aws_eks_cluster.main.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_role" "node" {
  name = "${local.name}-eks-node"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  ])
  role       = aws_iam_role.node.name
  policy_arn = each.value
}

locals {
  node_pools = {
    edge = {
      instance_types  = [var.edge_instance_type]
      scaling         = var.edge_nodes
      security_groups = [aws_security_group.edge_media.id]
      taint           = true
    }
    sip-front = {
      instance_types  = [var.sip_front_instance_type]
      scaling         = { min = 2, desired = 2, max = 2 }
      security_groups = [aws_security_group.sip_front.id]
      taint           = false
    }
    general = {
      instance_types  = [var.general_instance_type]
      scaling         = { min = 2, desired = 3, max = 6 }
      security_groups = []
      taint           = false
    }
  }
}

# Launch templates add the pools' own security groups next to the cluster's.
resource "aws_launch_template" "pool" {
  for_each               = local.node_pools
  name_prefix            = "${local.name}-${each.key}-"
  vpc_security_group_ids = concat([aws_eks_cluster.main.vpc_config[0].cluster_security_group_id], each.value.security_groups)

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}

resource "aws_eks_node_group" "pool" {
  for_each        = local.node_pools
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = aws_subnet.private[*].id
  instance_types  = each.value.instance_types
  labels          = { "invorto.io/pool" = each.key }

  scaling_config {
    min_size     = each.value.scaling.min
    desired_size = each.value.scaling.desired
    max_size     = each.value.scaling.max
  }

  launch_template {
    id      = aws_launch_template.pool[each.key].id
    version = aws_launch_template.pool[each.key].latest_version
  }

  dynamic "taint" {
    for_each = each.value.taint ? [each.key] : []
    content {
      key    = "invorto.io/pool"
      value  = taint.value
      effect = "NO_SCHEDULE"
    }
  }

  update_config {
    max_unavailable = 1
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}
