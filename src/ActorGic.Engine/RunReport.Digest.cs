using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace ActorGic.Engine;

public sealed partial record RunReport
{
    /// <summary>
    /// The run's digest (SCENARIOS.md section 3): SHA-256 over every component's trace chain in
    /// component order, then every fact the report states (its JSON without engine, nodes and the
    /// digest itself), then every latency sample, sorted (by the report, once), per name. The report only shows three
    /// percentiles of each distribution; a change in any one request time must still show.
    /// </summary>
    public static string ComputeDigest(IEnumerable<ChainFacts> chains, RunReport report, SortedDictionary<string, long[]> samples)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[24];
        foreach (var chain in chains.OrderBy(c => c.Component))
        {
            BitConverter.TryWriteBytes(buffer[..8], chain.Lane1);
            BitConverter.TryWriteBytes(buffer[8..16], chain.Lane2);
            BitConverter.TryWriteBytes(buffer[16..], chain.Count);
            sha.AppendData(buffer);
        }
        using (var facts = new MemoryStream())
        {
            ReportJson.WriteFacts(report, facts);
            sha.AppendData(facts.GetBuffer(), 0, (int)facts.Length);
        }
        foreach (var (name, sorted) in samples)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name));
            BitConverter.TryWriteBytes(buffer[..8], (long)sorted.Length);
            sha.AppendData(buffer[..8]);
            sha.AppendData(MemoryMarshal.AsBytes(sorted.AsSpan()));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

