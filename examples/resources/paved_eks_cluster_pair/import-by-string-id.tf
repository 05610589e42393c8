import {
  to = paved_eks_cluster_pair.shop
  id = "prod/shop"
}
