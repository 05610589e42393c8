package engines

// parameters lists, per family, the parameter names ElastiCache accepts in a
// cache parameter group (from the ElastiCache user guide's engine parameter
// tables). A family inherits its predecessor's parameters, plus its own.
var parameters = func() map[string]map[string]bool {
	redis6 := []string{
		"activedefrag", "active-defrag-cycle-max", "active-defrag-cycle-min", "active-defrag-ignore-bytes",
		"active-defrag-max-scan-fields", "active-defrag-threshold-lower", "active-defrag-threshold-upper",
		"activerehashing", "appendfsync", "appendonly", "client-output-buffer-limit-normal-hard-limit",
		"client-output-buffer-limit-normal-soft-limit", "client-output-buffer-limit-normal-soft-seconds",
		"client-output-buffer-limit-pubsub-hard-limit", "client-output-buffer-limit-pubsub-soft-limit",
		"client-output-buffer-limit-pubsub-soft-seconds", "client-query-buffer-limit", "close-on-replica-write",
		"cluster-enabled", "cluster-require-full-coverage", "databases", "hash-max-ziplist-entries",
		"hash-max-ziplist-value", "hll-sparse-max-bytes", "lazyfree-lazy-eviction", "lazyfree-lazy-expire",
		"lazyfree-lazy-server-del", "lfu-decay-time", "lfu-log-factor", "list-compress-depth",
		"list-max-ziplist-size", "lua-replicate-commands", "lua-time-limit", "maxclients", "maxmemory-policy",
		"maxmemory-samples", "min-replicas-max-lag", "min-replicas-to-write", "notify-keyspace-events",
		"proto-max-bulk-len", "rename-commands", "repl-backlog-size", "repl-backlog-ttl", "replica-allow-chaining",
		"replica-ignore-maxmemory", "replica-lazy-flush", "reserved-memory-percent", "set-max-intset-entries",
		"slowlog-log-slower-than", "slowlog-max-len", "stream-node-max-bytes", "stream-node-max-entries",
		"tcp-keepalive", "timeout", "tracking-table-max-keys", "zset-max-ziplist-entries", "zset-max-ziplist-value",
		"acllog-max-len", "active-expire-effort", "lazyfree-lazy-user-del", "cluster-allow-reads-when-down",
	}
	redis7 := append(append([]string{}, redis6...),
		"cluster-allow-pubsubshard-when-down", "latency-tracking", "hash-max-listpack-entries",
		"hash-max-listpack-value", "zset-max-listpack-entries", "zset-max-listpack-value",
		"list-max-listpack-size", "lazyfree-lazy-user-flush", "shard-channels",
	)
	valkey7 := append([]string{}, redis7...)
	valkey8 := append(append([]string{}, valkey7...), "io-threads", "hide-user-data-from-log")
	set := func(names []string) map[string]bool {
		m := make(map[string]bool, len(names))
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	return map[string]map[string]bool{
		"redis6.x": set(redis6),
		"redis7":   set(redis7),
		"valkey7":  set(valkey7),
		"valkey8":  set(valkey8),
	}
}()
