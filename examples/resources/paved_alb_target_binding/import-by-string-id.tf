import {
  to = paved_alb_target_binding.shop
  id = "prod/shop"
}
