variable "region" {
  description = "AWS region for every resource."
  type        = string
  default     = "ap-south-1"
}

variable "environment" {
  description = "Short environment name (prod, staging); part of every resource name."
  type        = string
  default     = "prod"
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "az_count" {
  description = "Availability zones to spread subnets, nodes, Redis and PostgreSQL over (2 or 3)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "vpc_cidr" {
  description = "CIDR of the VPC; public and private /20 subnets are cut from it per zone."
  type        = string
  default     = "10.0.0.0/16"
}

variable "carrier_cidrs" {
  description = "Carrier networks (reaching the VPC over VPN or Direct Connect) allowed to send SIP to the sip-front nodes and RTP to the edge nodes."
  type        = list(string)
  default     = []
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.32"
}

variable "cluster_admin_cidrs" {
  description = "Networks allowed to reach the EKS API endpoint publicly (empty: private endpoint only)."
  type        = list(string)
  default     = []
}

variable "edge_instance_type" {
  description = "Instance type of the edge node pool (one edge per node; about 200-320 calls per core, docs/load.md)."
  type        = string
  default     = "c6i.xlarge"
}

variable "edge_nodes" {
  description = "Size of the edge node pool: min, desired and max nodes. The edge HPA's ceiling is max."
  type        = object({ min = number, desired = number, max = number })
  default     = { min = 2, desired = 3, max = 10 }
}

variable "sip_front_instance_type" {
  description = "Instance type of the sip-front (Kamailio) node pool."
  type        = string
  default     = "t3.medium"
}

variable "general_instance_type" {
  description = "Instance type of the general node pool (control, cluster add-ons)."
  type        = string
  default     = "m6i.large"
}

variable "redis_node_type" {
  description = "ElastiCache node type for the call timeline (Redis Streams)."
  type        = string
  default     = "cache.t4g.medium"
}

variable "postgres_instance_class" {
  description = "RDS instance class for control's database."
  type        = string
  default     = "db.t4g.medium"
}

variable "postgres_storage_gb" {
  description = "Allocated storage of the RDS database, GB (grows automatically up to 4x)."
  type        = number
  default     = 50
}

variable "postgres_version" {
  description = "PostgreSQL major version on RDS."
  type        = string
  default     = "16"
}

variable "artifact_expiry_days" {
  description = "Days after which objects under recordings/ and tts-cache/ in the artifacts bucket are deleted."
  type        = number
  default     = 90
}

variable "artifact_ia_days" {
  description = "Days after which artifacts move to S3 Standard-IA (must be at least 30 and below artifact_expiry_days)."
  type        = number
  default     = 30
}
