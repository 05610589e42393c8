# The import id is <environment>/<name>: the environment from the standards
# and the replication group id in that environment's account.
terraform import paved_redis.orders prod/orders-cache
