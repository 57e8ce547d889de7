import Testing
@testable import AnomalyText

@Suite struct LogTemplateTests {
    let masker = LogTemplate()

    @Test(arguments: [
        ("RAS KERNEL INFO 63543 double-hummer alignment exceptions", "RAS KERNEL INFO <num> double-hummer alignment exceptions"),
        ("2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 instruction cache parity error corrected",
         "<time> <id> instruction cache parity error corrected"),
        ("RAS KERNEL INFO generating core.25568", "RAS KERNEL INFO generating core.<num>"),
        ("node-12.rack3 v1.2.3 up", "<id> <id> up"),
        ("blk_-1608999687919862906 served to 10.250.19.102", "blk_-<num> served to <ip>"),
        ("connect from 10.0.12.7:8080 failed after 3.5 s", "connect from <ip> failed after <num> s"),
        ("open /var/log/syslog.1 denied", "open <path> denied"),
        ("block 0x1f3a at deadbeef01 ok", "block <hex> at <hex> ok"),
        ("job 123e4567-e89b-12d3-a456-426614174000 done", "job <uuid> done"),
        ("at 15:42:50.123 on 2005.06.03", "at <time> on <time>"),
        ("ext4 volume sda1 mounted", "ext4 volume sda1 mounted"),
        ("", ""),
    ])
    func masksVariableParts(_ line: String, _ expected: String) {
        #expect(masker.template(of: line) == expected)
    }

    @Test func linesThatDifferInValuesShareATemplate() {
        let a = masker.template(of: "1 ddr error(s) detected and corrected on rank 0, symbol 24 over 1245 seconds")
        let b = masker.template(of: "4 ddr error(s) detected and corrected on rank 1, symbol 7 over 12 seconds")
        #expect(a == b)
        #expect(a == "<num> ddr error(s) detected and corrected on rank <num>, symbol <num> over <num> seconds")
    }
}
