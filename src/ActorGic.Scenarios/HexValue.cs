using System.Globalization;

namespace ActorGic.Scenarios;

/// <summary>Hex values as scenarios and the command line write them: <c>0x100</c> or <c>100</c>.</summary>
public static class HexValue
{
    public static bool TryParse(string text, out ulong value)
    {
        var trimmed = text.Trim();
        var digits = trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? trimmed[2..] : trimmed;
        value = 0;
        return digits.Length > 0 && ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
