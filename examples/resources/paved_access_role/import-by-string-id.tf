import {
  to = paved_access_role.sre
  id = "prod/sre-admin"
}
