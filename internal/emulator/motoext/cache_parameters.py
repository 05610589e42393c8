"""The parameters of the cache parameter group families the emulator models.

A modest subset of what DescribeCacheParameters lists in AWS, with AWS's
names, defaults and AllowedValues notation ("yes,no", "1-75", "0,20-").
"""

import re
from typing import NamedTuple


class Parameter(NamedTuple):
    name: str
    default: str | None  # None: AWS reports no value (an empty setting)
    data_type: str  # "string" or "integer", as AWS reports it
    allowed: str | None  # None: any value
    modifiable: bool
    change_type: str  # "immediate" or "requires-reboot"
    description: str


YES_NO = "yes,no"
EVICTION = (
    "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,"
    "volatile-random,allkeys-random,volatile-ttl,noeviction"
)


def _p(
    name: str,
    default: str | None,
    data_type: str,
    allowed: str | None,
    description: str,
    modifiable: bool = True,
    change_type: str = "immediate",
) -> Parameter:
    return Parameter(
        name, default, data_type, allowed, modifiable, change_type, description
    )


_COMMON = [
    _p("activedefrag", "no", "string", YES_NO, "Enable active memory defragmentation."),
    _p("active-defrag-cycle-max", "75", "integer", "1-75",
       "Maximal CPU effort for defragmentation, in percent."),
    _p("active-defrag-cycle-min", "5", "integer", "1-75",
       "Minimal CPU effort for defragmentation, in percent."),
    _p("active-defrag-ignore-bytes", "104857600", "integer", "1048576-",
       "Fragmentation waste below which defragmentation does not start."),
    _p("active-defrag-threshold-lower", "10", "integer", "1-100",
       "Fragmentation percentage at which defragmentation starts."),
    _p("active-defrag-threshold-upper", "100", "integer", "1-100",
       "Fragmentation percentage at which maximum effort is used."),
    _p("activerehashing", "yes", "string", YES_NO,
       "Rehash the main dictionaries incrementally.", change_type="requires-reboot"),
    _p("appendfsync", "everysec", "string", "always,everysec,no",
       "How often the append-only file is synced to disk."),
    _p("appendonly", "no", "string", YES_NO, "Enable append-only file persistence."),
    _p("close-on-replica-write", "yes", "string", YES_NO,
       "Disconnect clients that write to a replica."),
    _p("cluster-enabled", "no", "string", YES_NO,
       "Enable cluster mode (sharding).", change_type="requires-reboot"),
    _p("cluster-require-full-coverage", "no", "string", YES_NO,
       "Stop accepting queries when a hash slot is uncovered."),
    _p("databases", "16", "integer", "1-1200000",
       "Number of logical databases.", change_type="requires-reboot"),
    _p("lazyfree-lazy-eviction", "no", "string", YES_NO, "Free memory asynchronously on eviction."),
    _p("lazyfree-lazy-expire", "no", "string", YES_NO, "Free memory asynchronously on key expiry."),
    _p("lazyfree-lazy-server-del", "no", "string", YES_NO,
       "Free memory asynchronously on implicit deletes."),
    _p("lazyfree-lazy-user-del", "no", "string", YES_NO, "Make DEL behave like UNLINK."),
    _p("lfu-decay-time", "1", "integer", "0-", "Minutes after which the LFU counter decays."),
    _p("lfu-log-factor", "10", "integer", "1-", "Logarithmic factor of the LFU counter."),
    _p("maxclients", "65000", "integer", "1-65000",
       "Maximum number of connected clients.", modifiable=False, change_type="requires-reboot"),
    _p("maxmemory-policy", "volatile-lru", "string", EVICTION,
       "Eviction policy when the memory limit is reached."),
    _p("maxmemory-samples", "3", "integer", "1-",
       "Keys sampled by the LRU, LFU and TTL eviction policies."),
    _p("min-replicas-max-lag", "10", "integer", "1-",
       "Seconds within which replicas must acknowledge."),
    _p("min-replicas-to-write", "0", "integer", "0-",
       "Replicas required for the primary to accept writes."),
    _p("notify-keyspace-events", None, "string", None, "Keyspace events to publish to clients."),
    _p("repl-backlog-size", "1048576", "integer", "16384-",
       "Size of the replication backlog buffer, in bytes."),
    _p("repl-backlog-ttl", "3600", "integer", "0-",
       "Seconds before the backlog of a primary without replicas is freed."),
    _p("reserved-memory-percent", "25", "integer", "0-100",
       "Percentage of memory reserved for non-data use."),
    _p("set-max-intset-entries", "512", "integer", "0-",
       "Maximum entries of a set encoded as an intset."),
    _p("slowlog-log-slower-than", "10000", "integer", "0-",
       "Microseconds above which a command is logged as slow."),
    _p("slowlog-max-len", "128", "integer", "0-", "Maximum length of the slow log."),
    _p("tcp-keepalive", "300", "integer", "0-", "Seconds between TCP keepalive probes to clients."),
    _p("timeout", "0", "integer", "0,20-",
       "Seconds after which an idle client is closed (0: never)."),
]

_ZIPLIST = [
    _p("hash-max-ziplist-entries", "512", "integer", "0-",
       "Maximum entries of a hash encoded as a ziplist."),
    _p("hash-max-ziplist-value", "64", "integer", "0-",
       "Largest value of a hash encoded as a ziplist."),
    _p("list-max-ziplist-size", "-2", "integer", "-5,-4,-3,-2,-1,1-",
       "Size of each ziplist node of a list."),
    _p("zset-max-ziplist-entries", "128", "integer", "0-",
       "Maximum entries of a sorted set encoded as a ziplist."),
    _p("zset-max-ziplist-value", "64", "integer", "0-",
       "Largest value of a sorted set encoded as a ziplist."),
]

# Redis 7 renamed the ziplist encoding to listpack; Valkey keeps the new names.
_LISTPACK = [
    _p("hash-max-listpack-entries", "128", "integer", "0-",
       "Maximum entries of a hash encoded as a listpack."),
    _p("hash-max-listpack-value", "64", "integer", "0-",
       "Largest value of a hash encoded as a listpack."),
    _p("list-max-listpack-size", "-2", "integer", "-5,-4,-3,-2,-1,1-",
       "Size of each listpack node of a list."),
    _p("zset-max-listpack-entries", "128", "integer", "0-",
       "Maximum entries of a sorted set encoded as a listpack."),
    _p("zset-max-listpack-value", "64", "integer", "0-",
       "Largest value of a sorted set encoded as a listpack."),
]


def _table(params: list[Parameter]) -> dict[str, Parameter]:
    return {p.name: p for p in sorted(params)}


FAMILIES: dict[str, dict[str, Parameter]] = {
    "redis6.x": _table(_COMMON + _ZIPLIST),
    "redis7": _table(_COMMON + _LISTPACK),
    "valkey7": _table(_COMMON + _LISTPACK),
    "valkey8": _table(_COMMON + _LISTPACK),
}

_RANGE = re.compile(r"^(-?\d+)-(-?\d+)?$")


def allows(param: Parameter, value: str) -> bool:
    """Whether value is within the parameter's AllowedValues."""
    if param.allowed is None:
        return True
    if param.data_type != "integer":
        return value in param.allowed.split(",")
    try:
        number = int(value)
    except ValueError:
        return False
    for token in param.allowed.split(","):
        match = _RANGE.match(token)
        if match is None:
            if number == int(token):
                return True
        elif int(match[1]) <= number and (match[2] is None or number <= int(match[2])):
            return True
    return False
