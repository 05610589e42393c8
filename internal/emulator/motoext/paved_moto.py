"""moto's server with paved's extensions loaded.

Takes moto_server's arguments: paved_moto.py -H 127.0.0.1 -p 5000
"""

import sys

import moto.server

import eks_ext
import elasticache_ext

if __name__ == "__main__":
    elasticache_ext.install()
    eks_ext.install()
    moto.server.main(sys.argv[1:])
