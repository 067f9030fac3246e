import Testing
@testable import ZKPayTools

@Suite("zkpay loadgen: the validator's log-append histogram in the report")
struct LoadgenReportTests {
    static let page = """
        # HELP zkpay_fsync_seconds Log append and fsync time per batch (group commit).
        # TYPE zkpay_fsync_seconds histogram
        zkpay_fsync_seconds_bucket{le="0.0005"} 2
        zkpay_fsync_seconds_bucket{le="0.001"} 10
        zkpay_fsync_seconds_bucket{le="0.025"} 18
        zkpay_fsync_seconds_bucket{le="0.05"} 19
        zkpay_fsync_seconds_bucket{le="0.25"} 20
        zkpay_fsync_seconds_bucket{le="+Inf"} 20
        zkpay_fsync_seconds_sum 0.5
        zkpay_fsync_seconds_count 20
        zkpay_batch_size_bucket{le="1"} 7
        """

    @Test("parses the buckets, counts the appends above a bound and finds the slowest bucket")
    func parse() throws {
        let h = try #require(LoadgenCommand.LogAppendHistogram.parse(Self.page))
        #expect(h.buckets.count == 6)
        #expect(h.count == 20)
        #expect(h.over(0.025) == 2)
        #expect(h.over(0.001) == 10)
        #expect(h.over(0.0001) == 18)
        #expect(h.slowestBound == 0.25)
        #expect(LoadgenCommand.LogAppendHistogram.parse("zkpay_batch_size_bucket{le=\"1\"} 7\n") == nil)
        #expect(LoadgenCommand.LogAppendHistogram.parse("zkpay_fsync_seconds_bucket{le=\"x\"} 7\n") == nil)
    }

    @Test("the difference of two readings is the run's appends; an append above every bound is infinitely slow")
    func since() throws {
        let before = try #require(LoadgenCommand.LogAppendHistogram.parse(Self.page))
        let later = Self.page.replacingOccurrences(of: "le=\"+Inf\"} 20", with: "le=\"+Inf\"} 23")
            .replacingOccurrences(of: "le=\"0.025\"} 18", with: "le=\"0.025\"} 20")
            .replacingOccurrences(of: "le=\"0.05\"} 19", with: "le=\"0.05\"} 21")
            .replacingOccurrences(of: "le=\"0.25\"} 20", with: "le=\"0.25\"} 22")
        let run = try #require(LoadgenCommand.LogAppendHistogram.parse(later)).since(before)
        #expect(run.count == 3)
        #expect(run.over(0.025) == 1)
        #expect(run.slowestBound == .infinity)
        #expect(before.since(before).count == 0)
        #expect(before.since(before).slowestBound == nil)
    }
}

extension LoadgenReportTests {
    @Test("the slowest bucket reads as an upper bound in milliseconds, or as above the largest bound")
    func slowestText() throws {
        let h = try #require(LoadgenCommand.LogAppendHistogram.parse(Self.page))
        #expect(h.slowest?.hasPrefix("<= 250") == true)
        let above = LoadgenCommand.LogAppendHistogram(buckets: [(0.5, 1), (1, 1), (.infinity, 2)])
        #expect(above.slowest?.hasPrefix("> 1000") == true)
    }
}
