# Redis (the call timeline, Redis Streams) and PostgreSQL (control's database), in the private subnets, reachable
# only from the cluster's nodes, encrypted at rest and in transit.
resource "aws_security_group" "data" {
  name        = "${local.name}-data"
  description = "Redis and PostgreSQL from the EKS nodes"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_nodes" {
  security_group_id            = aws_security_group.data.id
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_nodes" {
  security_group_id            = aws_security_group.data.id
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = "${local.name}-redis"
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "${local.name}-timeline"
  description                = "Invorto call timeline (Redis Streams)"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.redis_node_type
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  port                       = 6379
  subnet_group_name          = aws_elasticache_subnet_group.redis.name
  security_group_ids         = [aws_security_group.data.id]
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.main.arn
  transit_encryption_enabled = true
  auth_token                 = data.aws_secretsmanager_random_password.redis.random_password
  snapshot_retention_limit   = 3

  lifecycle {
    # The password is drawn once; a new draw on every plan must not rotate it.
    ignore_changes = [auth_token]
  }
}

resource "aws_db_subnet_group" "postgres" {
  name       = "${local.name}-postgres"
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_instance" "postgres" {
  identifier                   = "${local.name}-control"
  engine                       = "postgres"
  engine_version               = var.postgres_version
  instance_class               = var.postgres_instance_class
  allocated_storage            = var.postgres_storage_gb
  max_allocated_storage        = var.postgres_storage_gb * 4
  storage_encrypted            = true
  kms_key_id                   = aws_kms_key.main.arn
  db_name                      = "invorto"
  username                     = "invorto"
  password                     = data.aws_secretsmanager_random_password.postgres.random_password
  db_subnet_group_name         = aws_db_subnet_group.postgres.name
  vpc_security_group_ids       = [aws_security_group.data.id]
  multi_az                     = true
  backup_retention_period      = 14
  deletion_protection          = true
  skip_final_snapshot          = false
  final_snapshot_identifier    = "${local.name}-control-final"
  performance_insights_enabled = true

  lifecycle {
    # The password is drawn once (it is kept in Secrets Manager, secrets.tf); a new draw must not rotate it.
    ignore_changes = [password]
  }
}
