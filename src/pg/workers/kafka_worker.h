// The Kafka workers: observe.kafka_workers background worker processes (a pool fixed at server
// start) that run the consumers of the enabled observe.kafka_sources; consumer k of all the
// sources' consumers (in source name order) runs in worker k mod observe.kafka_workers.
#pragma once

namespace observe::pg {

// Registers the pool; called from _PG_init when loaded by shared_preload_libraries.
void register_kafka_workers();

}  // namespace observe::pg
