# A pair is imported by <environment>/<name>; its clusters are <name>-blue and
# <name>-green, and live is read from their paved:live tag.
terraform import paved_eks_cluster_pair.shop prod/shop
