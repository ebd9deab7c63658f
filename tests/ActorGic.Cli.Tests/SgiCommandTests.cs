using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>actorgic sgi encode|decode, as SCENARIOS.md section 1 describes it, on DOMAIN.md section 3's examples.</summary>
public class SgiCommandTests
{
    private static readonly string Aff0To19 = string.Join(",", Enumerable.Range(0, 20).Select(i => $"0x{i:x}"));

    [Fact]
    public void Encode_cluster_0x100_to_0x103_sgi_2_is_one_write()
    {
        var (exit, output, error) = Run("sgi", "encode", "--intid", "2", "--to", "0-3", "--mpidr", "0x100,0x101,0x102,0x103");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Equal(["0x000000000201000F"], Lines(output));
    }

    [Fact]
    public void Encode_mpidr_0x25_sgi_3_uses_range_selector_2_bit_5()
    {
        var (exit, output, _) = Run("sgi", "encode", "--intid", "3", "--to", "0", "--mpidr", "0x25", "--rss");
        Assert.Equal(0, exit);
        Assert.Equal(["0x0000200003000020"], Lines(output));
    }

    [Fact]
    public void Encode_aff0_0_to_19_sgi_4_is_two_writes()
    {
        var (exit, output, _) = Run("sgi", "encode", "--intid", "4", "--to", "all", "--mpidr", Aff0To19, "--rss");
        Assert.Equal(0, exit);
        Assert.Equal(["0x000000000400FFFF", "0x000010000400000F"], Lines(output));
    }

    [Fact]
    public void Encode_interleaved_numbering_costs_one_write_per_run()
    {
        // CPUs alternate between two clusters: every CPU starts a new run.
        var (exit, output, _) = Run("sgi", "encode", "--intid", "1", "--to", "all", "--mpidr", "0x0,0x100,0x1,0x101");
        Assert.Equal(0, exit);
        Assert.Equal(["0x0000000001000001", "0x0000000001010001", "0x0000000001000002", "0x0000000001010002"], Lines(output));
    }

    [Fact]
    public void Encode_with_a_scenario_topology_block()
    {
        string file = Path.Combine(Path.GetTempPath(), $"actorgic-topology-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "scenario { topology { cpus = 8, cpus-per-cluster = 4, clusters-per-chip = 2 } }");
        try
        {
            var (exit, output, _) = Run("sgi", "encode", "--intid", "1", "--to", "0,2,4,6", "--topology", file);
            Assert.Equal(0, exit);
            Assert.Equal(["0x0000000001000005", "0x0000000001010005"], Lines(output));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("0x000000000201000F", "TargetList=0x000F Aff1=0x01 INTID=2 Aff2=0x00 IRM=0 RS=0 Aff3=0x00")]
    [InlineData("0x0000200003000020", "TargetList=0x0020 Aff1=0x00 INTID=3 Aff2=0x00 IRM=0 RS=2 Aff3=0x00")]
    [InlineData("0x000000000400FFFF", "TargetList=0xFFFF Aff1=0x00 INTID=4 Aff2=0x00 IRM=0 RS=0 Aff3=0x00")]
    [InlineData("0x000010000400000F", "TargetList=0x000F Aff1=0x00 INTID=4 Aff2=0x00 IRM=0 RS=1 Aff3=0x00")]
    [InlineData("0x0001000207030010", "TargetList=0x0010 Aff1=0x03 INTID=7 Aff2=0x02 IRM=0 RS=0 Aff3=0x01")]
    [InlineData("0x0000010001000000", "TargetList=0x0000 Aff1=0x00 INTID=1 Aff2=0x00 IRM=1 RS=0 Aff3=0x00")]
    public void Decode_prints_every_field(string value, string expected)
    {
        var (exit, output, _) = Run("sgi", "decode", value);
        Assert.Equal(0, exit);
        Assert.Equal([expected], Lines(output));
    }

    [Theory]
    [InlineData("0x000000000201000F")]
    [InlineData("0x0000200003000020")]
    [InlineData("0x000000000400FFFF")]
    [InlineData("0x000010000400000F")]
    public void Decode_inverts_encode(string value)
    {
        var fields = Lines(Run("sgi", "decode", value).Out)[0].Split(' ')
            .Select(f => f.Split('=')).ToDictionary(kv => kv[0], kv => Convert.ToUInt64(kv[1], kv[1].StartsWith("0x") ? 16 : 10));
        var rebuilt = new ActorGic.Gic.Sgi1r((ushort)fields["TargetList"], (byte)fields["Aff1"], (byte)fields["INTID"],
            (byte)fields["Aff2"], fields["IRM"] == 1, (byte)fields["RS"], (byte)fields["Aff3"]).Encode();
        Assert.Equal(Convert.ToUInt64(value, 16), rebuilt);
    }

    [Theory]
    [InlineData("--intid", new[] { "sgi", "encode", "--intid", "16", "--to", "0" })]
    [InlineData("--intid", new[] { "sgi", "encode", "--intid", "x", "--to", "0" })]
    [InlineData("--to", new[] { "sgi", "encode", "--intid", "1", "--to", "0,5000" })]
    [InlineData("--to", new[] { "sgi", "encode", "--intid", "1", "--to", "3-1" })]
    [InlineData("--to", new[] { "sgi", "encode", "--intid", "1" })]
    [InlineData("--mpidr", new[] { "sgi", "encode", "--intid", "1", "--to", "0", "--mpidr", "0x10" })]
    [InlineData("--mpidr", new[] { "sgi", "encode", "--intid", "1", "--to", "0", "--mpidr", "zz" })]
    [InlineData("--mpidr", new[] { "sgi", "encode", "--intid", "1", "--to", "0-1", "--mpidr", "0x1,0x1" })]
    [InlineData("--topology", new[] { "sgi", "encode", "--intid", "1", "--to", "0", "--topology", "/nonexistent/x.conf" })]
    [InlineData("VALUE", new[] { "sgi", "decode", "0x10000000" })]
    [InlineData("VALUE", new[] { "sgi", "decode", "banana" })]
    [InlineData("--bogus", new[] { "sgi", "encode", "--intid", "1", "--to", "0", "--bogus" })]
    [InlineData("command", new[] { "sgi" })]
    public void Bad_arguments_exit_2_with_one_line_naming_the_argument(string named, string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var lines = Lines(error);
        Assert.Single(lines);
        Assert.Contains(named, lines[0]);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Aff0_above_15_without_rss_is_refused_like_linux()
    {
        var (exit, _, error) = Run("sgi", "encode", "--intid", "1", "--to", "0", "--mpidr", "0x0,0x10");
        Assert.Equal(2, exit);
        Assert.Contains("can't SGI CPU1 (0x10), no RSS", error);
    }

    [Fact]
    public void Bad_topology_key_names_its_hocon_path()
    {
        string file = Path.Combine(Path.GetTempPath(), $"actorgic-topology-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "scenario { topology { cpus = 8, cpu-per-cluster = 4 } }");
        try
        {
            var (exit, _, error) = Run("sgi", "encode", "--intid", "1", "--to", "0", "--topology", file);
            Assert.Equal(2, exit);
            Assert.StartsWith("actorgic: scenario.topology.cpu-per-cluster: unknown key", error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
