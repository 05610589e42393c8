# The import id is <environment>/<name>.
terraform import paved_access_role.sre prod/sre-admin
