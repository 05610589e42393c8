output "id" {
  description = "`<environment>/<name>`, the id to import the cache by or to look it up with `data.paved_redis`."
  value       = paved_redis.this.id
}

output "arn" {
  description = "ARN of the replication group."
  value       = paved_redis.this.arn
}

output "primary_endpoint" {
  description = "Address of the primary (read-write) endpoint."
  value       = paved_redis.this.primary_endpoint
}

output "reader_endpoint" {
  description = "Address of the reader endpoint, spread over the replicas."
  value       = paved_redis.this.reader_endpoint
}

output "port" {
  description = "Port clients connect to."
  value       = paved_redis.this.port
}

output "transit_encryption" {
  description = "Whether clients must connect with TLS."
  value       = paved_redis.this.transit_encryption
}

output "connection_url" {
  description = "URL of the primary endpoint: `rediss://host:port` when transit encryption is on, else `redis://host:port`. It holds no credentials."
  value       = format("%s://%s:%d", paved_redis.this.transit_encryption ? "rediss" : "redis", paved_redis.this.primary_endpoint, paved_redis.this.port)
}

output "member_clusters" {
  description = "Cache cluster ids of the nodes, primary and replicas."
  value       = paved_redis.this.member_clusters
}

output "parameter_group_name" {
  description = "Name of the parameter group: `<name>-<family>` with dots replaced by hyphens, such as `orders-cache-redis7`."
  value       = paved_redis.this.parameter_group_name
}
