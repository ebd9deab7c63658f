using System.Globalization;
using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// A HOCON value together with its path, so every read can name the path when it fails and a
/// block can reject keys it does not know.
/// </summary>
public readonly struct HoconNode
{
    private readonly HoconValue? _value;

    public HoconNode(HoconValue? value, string path)
    {
        _value = value;
        Path = path;
    }

    public string Path { get; }
    public bool Exists => _value is { IsEmpty: false } || _value?.IsObject() == true;

    public HoconNode this[string key]
    {
        get
        {
            var child = _value is not null && _value.IsObject() ? _value.GetObject().GetKey(key) : null;
            return new HoconNode(child, Path.Length == 0 ? key : $"{Path}.{key}");
        }
    }

    public bool IsObject => _value?.IsObject() == true;
    public bool IsArray => _value is not null && !_value.IsObject() && (_value.IsArray() || IsEmptyList);

    /// <summary>
    /// <c>[]</c>: Akka's parser keeps it as an empty array beside the whitespace that followed it, and
    /// its IsArray() then says false, so <c>actions = []</c> read as "expected a list".
    /// </summary>
    private bool IsEmptyList =>
        _value!.Values.Any(v => v is HoconArray) &&
        _value.Values.All(v => v is HoconArray { Count: 0 } || v is HoconLiteral literal && string.IsNullOrWhiteSpace(literal.Value));

    public IReadOnlyList<string> Keys =>
        _value is not null && _value.IsObject() ? _value.GetObject().Items.Keys.ToList() : [];

    /// <summary>Rejects any key not in <paramref name="known"/>.</summary>
    public void RejectUnknownKeys(params string[] known)
    {
        foreach (var key in Keys)
            if (Array.IndexOf(known, key) < 0)
                throw new ScenarioException(this[key].Path, $"unknown key (known: {string.Join(", ", known)})");
    }

    public IReadOnlyList<HoconNode> Elements()
    {
        if (!IsArray) throw Fail("expected a list");
        if (IsEmptyList) return [];
        var items = _value!.GetArray();
        var list = new List<HoconNode>(items.Count);
        for (int i = 0; i < items.Count; i++) list.Add(new HoconNode(items[i], $"{Path}[{i}]"));
        return list;
    }

    public string String()
    {
        if (!Exists) throw Fail("missing");
        if (_value!.IsObject() || _value.IsArray()) throw Fail("expected a single value, not a block or list");
        // Akka reads the literal null (and "null") as a null string.
        return _value.GetString() ?? throw Fail("null is not a value here: give one, or leave the key out");
    }

    public string String(string fallback) => Exists ? String() : fallback;

    public long Long()
    {
        var text = String().Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long hex))
            return hex;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)) return value;
        throw Fail($"expected an integer, not \"{text}\"");
    }

    public int Int(int min, int max)
    {
        long value = Long();
        if (value < min || value > max) throw Fail($"must be {min} to {max}, not {value}");
        return (int)value;
    }

    public int Int(int fallback, int min, int max) => Exists ? Int(min, max) : fallback;

    public ulong Hex()
    {
        var text = String().Trim();
        if (!HexValue.TryParse(text, out ulong v)) throw Fail($"expected a hex value such as \"0x100\", not \"{text}\"");
        return v;
    }

    public bool Bool()
    {
        var text = String().Trim().ToLowerInvariant();
        return text switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw Fail($"expected on/off or true/false, not \"{text}\""),
        };
    }

    public bool Bool(bool fallback) => Exists ? Bool() : fallback;

    public ScenarioException Fail(string reason) => new(Path, reason);
}
