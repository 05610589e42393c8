# Send shop.example.com to the blue cluster of the pair, while green warms up
# with a tenth of the traffic. Shifting traffic is a change of `weights`.
resource "paved_alb_target_binding" "shop" {
  environment  = "prod"
  name         = "shop"
  listener_arn = "arn:aws:elasticloadbalancing:eu-central-1:333333333333:listener/app/prod-edge/50dc6c495c0c9188/f2f7dc8efc522ab2"
  cluster_pair = paved_eks_cluster_pair.shop.binding

  service = {
    namespace = "shop"
    name      = "storefront"
    port      = 8080
  }
  host_headers = ["shop.example.com"]
  priority     = 100
  weights      = { blue = 90, green = 10 }

  health_check = {
    path    = "/healthz"
    matcher = "200"
  }
}

# Apply each side's TargetGroupBinding in that side's cluster, for example
# with the kubernetes provider or by writing it next to the service's chart.
output "shop_target_group_bindings" {
  value = paved_alb_target_binding.shop.manifests
}
