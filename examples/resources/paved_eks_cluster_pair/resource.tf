# The shop's clusters halfway through an upgrade from Kubernetes 1.31 to
# 1.32: blue still serves, green was added at the new version. The next
# changes flip `live` to green, then remove `blue`.
resource "paved_eks_cluster_pair" "shop" {
  environment = "prod"
  name        = "shop"
  team        = "payments"
  service     = "shop"
  live        = "blue"

  blue = {
    version = "1.31"
    node_group = {
      instance_types = ["m7g.large"]
      min_size       = 3
      max_size       = 12
      desired_size   = 3
      labels         = { pool = "general" }
    }
  }

  green = {
    version = "1.32"
    node_group = {
      instance_types = ["m7g.large"]
      min_size       = 3
      max_size       = 12
      desired_size   = 3
      labels         = { pool = "general" }
    }
  }

  tags = { owner = "shop-oncall" }
}

# What a kubeconfig needs for the side that serves.
locals {
  shop_sides = { blue = paved_eks_cluster_pair.shop.blue, green = paved_eks_cluster_pair.shop.green }
  shop_live  = local.shop_sides[paved_eks_cluster_pair.shop.live]
}

output "shop_live_cluster" {
  value = {
    name                   = local.shop_live.cluster_name
    endpoint               = local.shop_live.endpoint
    cluster_ca_certificate = base64decode(local.shop_live.certificate_authority)
  }
}
