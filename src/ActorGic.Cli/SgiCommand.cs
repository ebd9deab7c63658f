using System.CommandLine;
using System.Globalization;
using ActorGic.Gic;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic sgi encode|decode</c>: what Linux's gic_ipi_send_mask() writes to ICC_SGI1R_EL1 for
/// a CPU list on a topology, and the fields of one such value.
/// </summary>
public static class SgiCommand
{
    public static Command Build(TextWriter output)
    {
        var sgi = new Command("sgi", "Encode or decode ICC_SGI1R_EL1 values as Linux writes them.");
        sgi.Subcommands.Add(BuildEncode(output));
        sgi.Subcommands.Add(BuildDecode(output));
        return sgi;
    }

    private static Command BuildEncode(TextWriter output)
    {
        var intid = new Option<string>("--intid") { Description = "SGI INTID, 0-15", Required = true };
        var to = new Option<string>("--to") { Description = "logical CPUs: 0,2,5-9 or all", Required = true };
        var topology = new Option<string>("--topology") { Description = "a scenario file whose topology block to use" };
        var mpidr = new Option<string>("--mpidr") { Description = "MPIDR of each logical CPU in hex: 0x0,0x1,0x100" };
        var rss = new Option<bool>("--rss") { Description = "Range Selector support: Aff0 above 15 allowed" };
        var encode = new Command("encode", "Print the ICC_SGI1R_EL1 writes, one 0x%016X per line, in order.")
        {
            intid, to, topology, mpidr, rss,
        };
        encode.SetAction(parse =>
        {
            int sgiIntid = ParseIntid(parse.GetValue(intid)!);
            var topo = LoadTopology(parse.GetValue(topology), parse.GetValue(mpidr), parse.GetValue(rss));
            var cpus = CpuList.Parse(parse.GetValue(to)!, topo.CpuCount, "--to");
            foreach (ulong value in GicIpiSendMask.Compute(topo, sgiIntid, cpus))
                output.WriteLine($"0x{value:X16}");
            return ExitCode.Ok;
        });
        return encode;
    }

    private static Command BuildDecode(TextWriter output)
    {
        var value = new Argument<string>("VALUE") { Description = "an ICC_SGI1R_EL1 value, hex (0x...) or decimal" };
        var decode = new Command("decode", "Print the fields of one ICC_SGI1R_EL1 value.") { value };
        decode.SetAction(parse =>
        {
            ulong raw = ParseRegister(parse.GetValue(value)!);
            if ((raw & Sgi1r.Res0Mask) != 0)
                throw new ScenarioException("VALUE", $"0x{raw:X16} sets RES0 bits (0x{raw & Sgi1r.Res0Mask:X16})");
            output.WriteLine(Sgi1r.Decode(raw).ToString());
            return ExitCode.Ok;
        });
        return decode;
    }

    private static int ParseIntid(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int intid) || !Intid.IsSgi(intid))
            throw new ScenarioException("--intid", $"\"{text}\" is not an SGI INTID (0-15)");
        return intid;
    }

    private static ulong ParseRegister(string text)
    {
        text = text.Trim();
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok) throw new ScenarioException("VALUE", $"\"{text}\" is not a 64-bit value (hex 0x... or decimal)");
        return v;
    }

    private static Topology LoadTopology(string? file, string? mpidrList, bool rss)
    {
        if (file is not null && mpidrList is not null)
            throw new ScenarioException("--mpidr", "give either --topology or --mpidr, not both");
        try
        {
            if (mpidrList is not null)
            {
                var mpidrs = mpidrList.Split(',').Select(part => new Mpidr(ParseHex(part))).ToList();
                return Topology.FromMpidrs(mpidrs, rss);
            }
            if (file is not null)
            {
                if (!File.Exists(file)) throw new ScenarioException("--topology", $"{file}: no such file");
                var topology = TopologyLoader.FromConfig(HoconFile.Load(file));
                if (rss && !topology.Rss) topology = Topology.FromMpidrs(Enumerable.Range(0, topology.CpuCount).Select(topology.MpidrOf).ToList(), true);
                return topology;
            }
            return Topology.Regular(4096, 16, 256, rss); // one chip, clusters of 16: any CPU up to NR_CPUS
        }
        catch (GicConfigurationException e)
        {
            throw new ScenarioException(mpidrList is not null ? "--mpidr" : file ?? "--topology", e.Message);
        }
    }

    private static ulong ParseHex(string part)
    {
        if (!HexValue.TryParse(part, out ulong v))
            throw new ScenarioException("--mpidr", $"\"{part.Trim()}\" is not a hex MPIDR such as 0x100");
        return v;
    }
}
