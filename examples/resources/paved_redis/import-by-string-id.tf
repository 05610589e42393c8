import {
  to = paved_redis.orders
  id = "prod/orders-cache"
}
