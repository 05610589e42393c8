# The orders cache is managed in the payments team's state; the reporting
# job, in another state, only needs to know where to connect.
data "paved_redis" "orders" {
  environment = "prod"
  name        = "orders-cache"
}

# Reports only read, so they go to the reader endpoint, spread over the
# replicas, and leave the primary to the orders service.
output "orders_cache_reader_url" {
  value = format("%s://%s:%d",
    data.paved_redis.orders.transit_encryption ? "rediss" : "redis",
    data.paved_redis.orders.reader_endpoint,
    data.paved_redis.orders.port,
  )
}

output "orders_cache_engine" {
  value = "${data.paved_redis.orders.engine} ${data.paved_redis.orders.engine_version}"
}
