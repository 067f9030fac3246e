import Foundation
import HTTP1
import Testing
@testable import Validator
import ZKPayCore

@Suite("Live figures (GET /v1/stats/stream)")
struct StatsStreamTests {
    let pool = Pool.shared

    @Test("the log histogram's quantiles fall in the bucket of the true value and never exceed the largest sample")
    func histogram() {
        var h = LogHistogram()
        #expect(h.quantile(0.5) == nil)
        for i in 1...100 { h.observe(Double(i) * 1e-3) }
        let p50 = h.quantile(0.5) ?? 0
        let p99 = h.quantile(0.99) ?? 0
        #expect(p50 >= 0.050 && p50 <= 0.050 * 1.1)
        #expect(p99 >= 0.099 && p99 <= 0.100)
        #expect(h.quantile(1) == 0.1)
        // Out-of-range values land in the end buckets instead of trapping.
        h.observe(.nan)
        h.observe(-1)
        h.observe(1e9)
        h.observe(.infinity)
        #expect(h.count == 104)
    }

    /// Reads stats events until `done` holds for the running list (or the stream ends).
    func read(_ reader: EventStreamReader, until done: ([JSONValue]) -> Bool) throws -> [(ServerSentEvent, JSONValue)] {
        var out: [(ServerSentEvent, JSONValue)] = []
        while let e = try reader.nextEvent() {
            out.append((e, try JSONValue.parse(Array(e.data.utf8))))
            if done(out.map(\.1)) { break }
        }
        return out
    }

    @Test("the stream counts settled transfers, follows the sequence and carries the reconnect hint")
    func figures() throws {
        let node = try Node { $0.stats = StatsOptions(intervalSeconds: 0.05, eventsPerStream: 1000) }
        let c = node.client()
        let reader = try node.client().openEventStream("/v1/stats/stream")
        #expect(try c.submit(pool.mint).status == 200)
        for t in [pool.t1] + pool.stream.prefix(2) { #expect(try c.submit(t).status == 200) }
        let events = try read(reader) { list in
            list.last?["sequence"]?.int == 4 && list.reduce(0) { $0 + ($1["transfers"]?.int ?? 0) } == 3
        }
        let data = events.map(\.1)
        #expect(data.last?["sequence"]?.int == 4)
        #expect(data.reduce(0) { $0 + ($1["transfers"]?.int ?? 0) } == 3)
        #expect(data.reduce(0) { $0 + ($1["mints"]?.int ?? 0) } == 1)
        #expect(events.allSatisfy { $0.0.event == "stats" && $0.0.retryMilliseconds == 1000 })
        // An interval with settled transfers has latency percentiles and a log sync figure.
        let busy = try #require(data.first { ($0["transfers"]?.int ?? 0) > 0 })
        #expect((busy["latency_us"]?["p50"]?.int ?? 0) > 0)
        #expect((busy["latency_us"]?["p99"]?.int ?? 0) >= (busy["latency_us"]?["p50"]?.int ?? 0))
        #expect((busy["log_sync_us"]?["p99"]?.int ?? 0) > 0)
        #expect((busy["batches"]?["count"]?.int ?? 0) >= 1)
        #expect(data.last?["queue_depth"]?.int == 0)
        #expect(data.last?["streams"]?.int == 1)
    }

    @Test("the cached audit appears once a stream is open")
    func audit() throws {
        let node = try Node { $0.stats = StatsOptions(intervalSeconds: 0.05, eventsPerStream: 1000) }
        #expect(try node.client().submit(pool.mint).status == 200)
        let reader = try node.client().openEventStream("/v1/stats/stream")
        let events = try read(reader) { $0.last?["audit"]?["ok"] != nil }
        #expect(events.last?.1["audit"]?["ok"]?.bool == true)
        #expect(events.last?.1["audit"]?["sequence"]?.int == 1)
    }

    @Test("a stream ends after its event count, and streams beyond the cap get 503 too_many_streams")
    func bounded() throws {
        let node = try Node { $0.stats = StatsOptions(intervalSeconds: 0.05, eventsPerStream: 3, maxStreams: 1) }
        let first = try node.client().openEventStream("/v1/stats/stream")
        let refused = try node.client().get("/v1/stats/stream")
        #expect(refused.status == 503)
        #expect(refused.errorCode == "too_many_streams")
        #expect(refused.headers["Retry-After"] == "1")
        var count = 0
        while try first.nextEvent() != nil { count += 1 }
        #expect(count == 3)
        // The ended stream freed its place.
        let again = try node.client().openEventStream("/v1/stats/stream")
        #expect(try again.nextEvent()?.event == "stats")
    }
}
