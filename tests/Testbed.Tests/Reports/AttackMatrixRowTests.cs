using Testbed.Hosting.Reports;
using Xunit;

namespace Testbed.Tests.Reports;

public sealed class AttackMatrixRowTests
{
    [Fact]
    public void A_variant_gets_a_row_of_its_own_beside_the_attacks_default()
    {
        var plain = ReportSamples.Passing("key-compromise-tls-like", "tls-like", "key-compromise");
        var session = plain with
        {
            Name = "key-compromise-session-tls-like",
            Attacks = [plain.Attacks[0] with { Variant = "session", Succeeded = 3, Detected = 7 }],
        };

        var matrix = AttackMatrix.From([session, plain]);

        Assert.Equal(["key-compromise", "key-compromise (session)"], matrix.Attacks);
        Assert.Equal((0, 10), (matrix["key-compromise", "tls-like"]!.Succeeded, matrix["key-compromise", "tls-like"]!.Detected));
        Assert.Equal((3, 7), (matrix["key-compromise (session)", "tls-like"]!.Succeeded, matrix["key-compromise (session)", "tls-like"]!.Detected));
        Assert.Equal(["key-compromise-session-tls-like"], matrix["key-compromise (session)", "tls-like"]!.Scenarios);
        Assert.Equal("key-compromise (session)", AttackMatrix.RowOf(session.Attacks[0]));
    }
}
