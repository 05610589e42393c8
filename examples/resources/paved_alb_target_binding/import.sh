# A binding is imported by <environment>/<name>; its target groups are <name>-blue and <name>-green.
terraform import paved_alb_target_binding.shop prod/shop
