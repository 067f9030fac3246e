import Foundation
import HTTP1
import Ledger
import Sodium
import ZKPayCore

/// `GET /`: one self-contained page (HTML, an inline style and an inline script, nothing
/// fetched from elsewhere) that shows the ledger's identity, the live figures of
/// `GET /v1/stats/stream` with a throughput chart, and a search by transfer id.
///
/// Security: the Content-Security-Policy allows only this style and this script, by
/// their SHA-256 hashes (computed once, at first use), and connections to this origin; the
/// page has no inline event handler. Everything that comes from the request or the ledger
/// is HTML-escaped here; the script writes only with `textContent`. The page works without
/// the script: the identity and, for `GET /?q=ID`, that transfer's settlement are rendered
/// by the server. It shows no amount and nothing secret (receipts, ids, sequence numbers
/// and the issuer's address are public).
enum StatusPage {
    /// The ledger's public identity.
    struct Identity: Sendable {
        /// The genesis hash.
        var chainID: [UInt8] = []
        /// The validators' names and key fingerprints, in index order.
        var validators: [(name: String, fingerprint: String)] = []
        /// Signatures a receipt's certificate needs.
        var quorum = 1
        /// This validator's key.
        var receiptPublicKey: [UInt8]
        var issuer: String
        var minimumFee: UInt64
        var backend: String
    }

    /// Where a transfer settled (the page shows no amount).
    struct Settlement: Sendable, Equatable {
        var id: String
        var sequence: UInt64
        var batchFirst: UInt64
        var batchSize: Int
        var time: UInt64
        var inputs: Int
        var outputs: Int
    }

    /// What the page says about `?q=`.
    enum Search: Sendable, Equatable {
        case none
        /// The text is not a transfer id (shown escaped).
        case invalid(String)
        case notFound(String)
        case found(Settlement)
        /// The lookup failed (storage, shutdown): the message.
        case failed(String)
    }

    // MARK: Security headers

    /// `'sha256-…'` of `text` for a CSP source list.
    static func hashSource(_ text: String) -> String {
        "'sha256-" + Data(Hash.sha256(Array(text.utf8))).base64EncodedString() + "'"
    }

    static let contentSecurityPolicy: String =
        "default-src 'none'; script-src \(hashSource(script)); style-src \(hashSource(style)); "
        + "connect-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    /// The response for `html`.
    static func response(_ html: String) -> Response {
        Response(status: .ok, headers: Headers([
            Header("Content-Type", "text/html; charset=utf-8"),
            Header("Content-Security-Policy", contentSecurityPolicy),
            Header("X-Content-Type-Options", "nosniff"),
            Header("Referrer-Policy", "no-referrer"),
            Header("Cache-Control", "no-store"),
        ]), body: Array(html.utf8))
    }

    // MARK: Rendering

    /// Escapes text for the page (`Markup.escape`).
    static func escape(_ text: String) -> String { Markup.escape(text) }

    /// `host` when it looks like a host name or address with a port, else a placeholder:
    /// the Host header is the client's word and only ever shown, escaped, in a command line.
    static func displayHost(_ host: String?) -> String {
        guard let host, !host.isEmpty, host.count <= 255,
              host.unicodeScalars.allSatisfy({ c in
                  ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || ".-:[]".unicodeScalars.contains(c)
              })
        else { return "HOST:PORT" }
        return host
    }

    /// ISO 8601 UTC time of milliseconds since 1970.
    static func isoTime(milliseconds: UInt64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// The commands that fetch the transfer's receipt and check it offline.
    /// (Compare the genesis's chain id with the one the ledger's operator publishes.)
    static func verifyCommands(id: String, host: String, key: [UInt8]) -> String {
        "curl -s http://\(host)/v1/genesis -o genesis.zkpg\n"
            + "curl -s http://\(host)/v1/transfers/\(id) -o receipt.json\n"
            + "zkpay receipt verify receipt.json --genesis genesis.zkpg"
    }

    /// The whole page.
    static func html(identity: Identity, search: Search, host: String?) -> String {
        let e = escape
        let host = displayHost(host)
        let key = ProtocolHex.encode(identity.receiptPublicKey)
        let query: String = switch search {
        case .none: ""
        case let .invalid(q), let .notFound(q): q
        case let .found(s): s.id
        case .failed: ""
        }
        var out = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="data:,">
        <title>zkpay validator</title>
        <style>\(style)</style>
        </head>
        <body>
        <header><h1>zkpay validator</h1><span id="live-state" class="state">static</span></header>
        <main>
        <section id="identity">
        <h2>Ledger</h2>
        <dl>
        <dt>Chain id</dt><dd><code id="chain-id">\(e(ProtocolHex.encode(identity.chainID)))</code></dd>
        <dt>Validators</dt><dd id="validators">\(identity.validators.enumerated().map { "<span class=\"validator\" data-index=\"\($0.offset)\">\(e($0.element.name))</span> <code>\(e($0.element.fingerprint))</code>" }.joined(separator: "<br>")) (quorum \(identity.quorum))</dd>
        <dt>This validator's key</dt><dd><code id="receipt-key">\(e(key))</code></dd>
        <dt>Issuer</dt><dd><code id="issuer">\(e(identity.issuer))</code></dd>
        <dt>Minimum fee</dt><dd id="minimum-fee">\(identity.minimumFee)</dd>
        <dt>Backend</dt><dd id="backend">\(e(identity.backend))</dd>
        </dl>
        </section>
        <section id="live">
        <h2>Live</h2>
        <div class="figures">
        <div><span class="label">Sequence</span><span class="value" id="sequence">–</span></div>
        <div><span class="label">Transfers/s</span><span class="value" id="tps">–</span></div>
        <div><span class="label">Latency p50</span><span class="value" id="p50">–</span></div>
        <div><span class="label">Latency p99</span><span class="value" id="p99">–</span></div>
        <div><span class="label">Batches (mean size)</span><span class="value" id="batches">–</span></div>
        <div><span class="label">Queue depth</span><span class="value" id="queue">–</span></div>
        <div><span class="label">Log sync p99</span><span class="value" id="sync">–</span></div>
        <div><span class="label">Log stalls</span><span class="value" id="stalls">–</span></div>
        <div><span class="label">Audit</span><span class="value" id="audit">–</span></div>
        <div><span class="label">Cluster role</span><span class="value" id="role">–</span></div>
        <div><span class="label">Leader</span><span class="value" id="leader">–</span></div>
        <div><span class="label">Validators (signed, lag)</span><span class="value" id="peers">–</span></div>
        <div><span class="label">etcd members</span><span class="value" id="etcd">–</span></div>
        <div><span class="label">Transfers seen</span><span class="value" id="seen">0</span></div>
        </div>
        <p class="scale">Transfers per second, last three minutes (top of the chart: <span id="tps-max">–</span>)</p>
        <svg id="chart" viewBox="0 0 600 160" preserveAspectRatio="none" role="img" aria-label="transfers per second over the last three minutes">
        <line class="axis" x1="0" y1="159" x2="600" y2="159"/>
        <polyline id="tps-line" class="series" points="0,158"/>
        </svg>
        <p class="note">Live figures need the script; they come from <code>GET /v1/stats/stream</code>.</p>
        </section>
        <section id="lookup">
        <h2>Find a transfer</h2>
        <form id="search" method="get" action="/">
        <input id="q" name="q" type="search" maxlength="200" placeholder="transfer id (64 hex digits)" value="\(e(query))" autocomplete="off" spellcheck="false">
        <button type="submit">Find</button>
        </form>
        <div id="result">
        """
        out += "\n" + result(search, host: host, key: identity.receiptPublicKey) + "\n"
        out += """
        </div>
        </section>
        </main>
        <script>\(script)</script>
        </body>
        </html>

        """
        return out
    }

    /// The server-rendered search result (the script renders the same structure).
    static func result(_ search: Search, host: String, key: [UInt8]) -> String {
        let e = escape
        switch search {
        case .none:
            return ""
        case let .invalid(q):
            return "<p class=\"error\" id=\"result-message\">Not a transfer id: <code>\(e(q))</code>. "
                + "A transfer id is 64 hex digits.</p>"
        case let .notFound(q):
            return "<p class=\"error\" id=\"result-message\">The ledger has not settled transfer <code>\(e(q))</code>.</p>"
        case let .failed(message):
            return "<p class=\"error\" id=\"result-message\">\(e(message))</p>"
        case let .found(s):
            let last = s.batchFirst &+ UInt64(max(1, s.batchSize)) &- 1
            return """
            <h3>Transfer <code id="result-id">\(e(s.id))</code></h3>
            <dl id="settlement">
            <dt>Sequence</dt><dd id="result-sequence">\(s.sequence)</dd>
            <dt>Batch</dt><dd id="result-batch">\(s.batchFirst)–\(last) (\(s.batchSize) in one signed batch)</dd>
            <dt>Settled</dt><dd id="result-time">\(e(isoTime(milliseconds: s.time)))</dd>
            <dt>Notes</dt><dd id="result-notes">\(s.inputs) spent, \(s.outputs) created (amounts hidden)</dd>
            </dl>
            <p>Check its receipt offline:</p>
            <pre id="result-command">\(e(verifyCommands(id: s.id, host: host, key: key)))</pre>
            """
        }
    }

    static let style = """
    body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
    header{display:flex;align-items:baseline;gap:1em;padding:.8em 1.5em;background:#1b1f24;color:#fff}
    h1{font-size:1.3em;margin:0}h2{font-size:1.05em;margin:0 0 .6em}h3{font-size:1em}
    main{max-width:70em;margin:0 auto;padding:1em 1.5em}
    section{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:1em;margin-bottom:1em}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em;margin:0}dt{color:#57606a}dd{margin:0}
    code,pre{font:13px ui-monospace,monospace;word-break:break-all}
    pre{background:#f0f2f5;padding:.6em;white-space:pre-wrap}
    .state{font-size:.85em;color:#aab}
    .figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(10em,1fr));gap:.6em;margin-bottom:.8em}
    .label{display:block;font-size:.8em;color:#57606a}.value{font-size:1.3em;font-variant-numeric:tabular-nums}
    #chart{width:100%;height:160px;background:#fbfcfd;border:1px solid #e3e6ea}
    .series{fill:none;stroke:#2f6fde;stroke-width:2;vector-effect:non-scaling-stroke}
    .axis{stroke:#c5cad1;vector-effect:non-scaling-stroke}.scale{font-size:.85em;color:#57606a;margin:.2em 0}
    .note{font-size:.85em;color:#57606a}.error{color:#b42318}
    form{display:flex;gap:.5em}input{flex:1;font:14px ui-monospace,monospace;padding:.4em}
    """

    static let script = """
    "use strict";
    (function () {
      var byId = function (id) { return document.getElementById(id); };
      var set = function (id, text) { var el = byId(id); if (el) { el.textContent = text; } };
      var micros = function (us) { return (us === null || us === undefined) ? "–" : (us / 1000).toFixed(2) + " ms"; };
      var points = [];
      var maxPoints = 180;
      var seen = 0;
      var draw = function () {
        var top = 1;
        points.forEach(function (v) { if (v > top) { top = v; } });
        var step = 600 / (maxPoints - 1);
        var xy = points.map(function (v, i) {
          var x = 600 - (points.length - 1 - i) * step;
          var y = 158 - (v / top) * 140;
          return x.toFixed(1) + "," + y.toFixed(1);
        });
        byId("tps-line").setAttribute("points", xy.join(" "));
        set("tps-max", top.toFixed(0) + "/s");
      };
      var show = function (d) {
        set("live-state", "live");
        set("sequence", String(d.sequence));
        var rate = d.interval_ms > 0 ? d.transfers * 1000 / d.interval_ms : 0;
        set("tps", rate.toFixed(1));
        set("p50", micros(d.latency_us.p50));
        set("p99", micros(d.latency_us.p99));
        set("batches", d.batches.count + " (" + (d.batches.count > 0 ? d.batches.items / d.batches.count : 0).toFixed(1) + ")");
        set("queue", String(d.queue_depth));
        set("sync", micros(d.log_sync_us.p99));
        set("stalls", String(d.log_sync_us.stalls));
        set("audit", d.audit === undefined ? "pending" : (d.audit.ok ? "ok at " + d.audit.sequence : "FAILED at " + d.audit.sequence));
        set("role", d.cluster ? d.cluster.role : "on its own");
        set("leader", d.cluster && d.cluster.leader ? d.cluster.leader : "–");
        set("peers", d.cluster && d.cluster.validators ? d.cluster.validators.map(function (v) {
          return v.name + " " + v.signed + " (" + v.lag + ")";
        }).join(", ") : "–");
        set("etcd", d.cluster && d.cluster.etcd && d.cluster.etcd.length > 0 ? d.cluster.etcd.map(function (m) {
          return m.endpoint + (m.up ? (m.leader ? " leader" : " up") + " @" + m.raft_index : " DOWN");
        }).join(", ") : "–");
        seen += d.transfers;
        set("seen", String(seen));
        points.push(rate);
        if (points.length > maxPoints) { points.shift(); }
        draw();
      };
      if (window.EventSource) {
        var source = new EventSource("/v1/stats/stream");
        source.addEventListener("stats", function (ev) {
          var d;
          try { d = JSON.parse(ev.data); } catch (err) { return; }
          show(d);
        });
        source.addEventListener("error", function () { set("live-state", "reconnecting"); });
      }
      var row = function (list, term, id, text) {
        var dt = document.createElement("dt");
        dt.textContent = term;
        var dd = document.createElement("dd");
        dd.id = id;
        dd.textContent = text;
        list.appendChild(dt);
        list.appendChild(dd);
      };
      var message = function (text) {
        var p = document.createElement("p");
        p.className = "error";
        p.id = "result-message";
        p.textContent = text;
        byId("result").replaceChildren(p);
      };
      var render = function (d) {
        var r = d.receipt;
        var h = document.createElement("h3");
        h.textContent = "Transfer ";
        var code = document.createElement("code");
        code.id = "result-id";
        code.textContent = d.transfer_id;
        h.appendChild(code);
        var list = document.createElement("dl");
        list.id = "settlement";
        row(list, "Sequence", "result-sequence", String(d.sequence));
        var first = (typeof r.batch_first === "number") ? r.batch_first : d.sequence;
        var size = (typeof r.batch_size === "number") ? r.batch_size : 1;
        row(list, "Batch", "result-batch", first + "–" + (first + size - 1) + " (" + size + " in one signed batch)");
        row(list, "Settled", "result-time", new Date(r.time).toISOString());
        row(list, "Notes", "result-notes", d.transfer.inputs.length + " spent, " + d.transfer.outputs.length + " created (amounts hidden)");
        var p = document.createElement("p");
        p.textContent = "Check its receipt offline:";
        var pre = document.createElement("pre");
        pre.id = "result-command";
        var names = {};
        document.querySelectorAll("#validators .validator").forEach(function (v) { names[v.dataset.index] = v.textContent; });
        var signers = (r.signers || []).map(function (s) { return names[s.index] || ("#" + s.index); });
        row(list, "Certified by", "result-signers", signers.join(", "));
        pre.textContent = "curl -s " + location.origin + "/v1/genesis -o genesis.zkpg\\ncurl -s " + location.origin + "/v1/transfers/" + d.transfer_id + " -o receipt.json\\nzkpay receipt verify receipt.json --genesis genesis.zkpg";
        byId("result").replaceChildren(h, list, p, pre);
      };
      byId("search").addEventListener("submit", function (ev) {
        var q = byId("q").value.trim().toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(q)) { return; }
        ev.preventDefault();
        history.replaceState(null, "", "/?q=" + q);
        fetch("/v1/transfers/" + q, { headers: { "Accept": "application/json" } }).then(function (res) {
          if (res.status === 404) { message("The ledger has not settled transfer " + q + "."); return null; }
          if (!res.ok) { message("The lookup failed (HTTP " + res.status + ")."); return null; }
          return res.json();
        }).then(function (d) { if (d) { render(d); } }).catch(function () { message("The validator did not answer."); });
      });
    })();
    """
}

extension Router {
    /// `GET /[?q=ID]`: the status page, with the settlement of `q` when given.
    func statusPage(_ request: Request, _ query: [String: String], _ responder: Responder) {
        let g = sequencer.genesis
        // The validators in office now (the genesis's until a statement changes them).
        let office = sequencer.summary.authorities.current
        let identity = StatusPage.Identity(chainID: g.chainID.bytes,
                                           validators: office.validators.map { ($0.name, ReceiptKeyFingerprint(publicKey: $0.publicKey).hex) },
                                           quorum: office.quorum, receiptPublicKey: sequencer.receiptPublicKey, issuer: g.issuer.encoded,
                                           minimumFee: g.minimumFee, backend: backend.rawValue)
        let host = request.headers["Host"]
        let text = (query["q"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            return answer(responder, StatusPage.response(StatusPage.html(identity: identity, search: .none, host: host)))
        }
        let lower = text.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let id = ProtocolHex.decode(lower)
        else {
            // Shown back escaped, and cut: the page never repeats more than 200 characters of input.
            let shown = String(text.prefix(200))
            return answer(responder, StatusPage.response(StatusPage.html(identity: identity, search: .invalid(shown), host: host)))
        }
        let accepted = sequencer.read { ledger in
            let search: StatusPage.Search
            do throws(LedgerError) {
                if let found = try ledger.settledObject(id: id), found.receipt.kind == .transfer,
                   let t = try? Transfer(bytes: found.bytes, backend: ledger.backend) {
                    let r = found.receipt
                    search = .found(StatusPage.Settlement(id: lower, sequence: r.sequence, batchFirst: r.batchFirst,
                                                          batchSize: r.batchSize, time: r.time, inputs: t.inputs.count,
                                                          outputs: t.outputs.count))
                } else {
                    search = .notFound(lower)
                }
            } catch {
                search = .failed("The lookup failed: \(error)")
            }
            responder.respond(StatusPage.response(StatusPage.html(identity: identity, search: search, host: host)))
        }
        if !accepted {
            responder.respond(StatusPage.response(StatusPage.html(
                identity: identity, search: .failed("The validator is shutting down; try another one."), host: host)))
        }
    }
}
