# The orders service's cache in production, on Valkey 8.0. Node type,
# replicas, Multi-AZ, windows and encryption are left to the production
# defaults of the standards; one parameter is changed from the standard
# ones: orders are evicted by frequency of use rather than recency.
resource "paved_redis" "orders" {
  environment    = "prod"
  name           = "orders-cache"
  team           = "payments"
  service        = "orders"
  engine         = "valkey"
  engine_version = "8.0"

  parameters = {
    maxmemory-policy = "allkeys-lfu"
  }

  tags = {
    owner      = "orders-oncall"
    data-class = "internal"
  }
}

# Where the orders service connects. Production has transit encryption, so
# clients use TLS (rediss://).
output "orders_cache_url" {
  value = "rediss://${paved_redis.orders.primary_endpoint}:${paved_redis.orders.port}"
}
