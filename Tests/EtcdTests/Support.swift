import Etcd
import Foundation
import TestSupport

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A client of every member of `cluster`, with a short request timeout (a member that is
/// down refuses at once on loopback; the timeout only bounds a hung one).
func client(_ cluster: EtcdCluster, requestTimeout: Double = 10, watchIdleTimeout: Double = 30) throws -> EtcdClient {
    let endpoints = try cluster.endpoints.map { url throws(EtcdError) in try EtcdEndpoint(parsing: url) }
    return try EtcdClient(EtcdConfig(endpoints: endpoints, requestTimeout: requestTimeout, watchIdleTimeout: watchIdleTimeout))
}

/// Reads watch messages until `count` events have arrived (progress notifications are
/// skipped); returns them in the order received.
func events(_ watch: EtcdWatch, count: Int) throws -> [WatchEvent] {
    var out: [WatchEvent] = []
    while out.count < count { out += try watch.next().events }
    return out
}
