using System.Runtime.InteropServices;
using System.Text;

namespace Testbed.Hosting.Reports;

/// <summary>The command line a report shows for reproducing a run, and the machine it ran on.</summary>
public static class ReportCommand
{
    /// <summary><c>testbed</c> followed by <paramref name="args"/>, quoted for a POSIX shell.</summary>
    public static string Testbed(IEnumerable<string> args) => Quote(["testbed", .. args]);

    /// <summary>Joins <paramref name="words"/> into one shell line, single-quoting any word a shell would split or expand.</summary>
    public static string Quote(IEnumerable<string> words) => string.Join(' ', words.Select(QuoteWord));

    /// <summary>Cores, operating system and .NET runtime of this machine.</summary>
    public static string Machine() =>
        $"{Environment.ProcessorCount} cores · {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}) · {RuntimeInformation.FrameworkDescription}";

    private static string QuoteWord(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c)))
        {
            return word;
        }

        var quoted = new StringBuilder("'");
        foreach (var c in word)
        {
            quoted.Append(c == '\'' ? "'\\''" : c.ToString());
        }

        return quoted.Append('\'').ToString();
    }
}
