using System.Globalization;
using System.Text;

namespace V2V.Core;

/// <summary>
/// Text from an image or VM file shown on a terminal: control characters (escape sequences, line
/// breaks) are written as \xNN, so a name cannot repaint the screen or break the one-line errors.
/// </summary>
public static class Printable
{
    public static string Line(string text)
    {
        if (!text.Any(IsUnsafe))
        {
            return text;
        }

        var line = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            line.Append(IsUnsafe(c) ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}") : c);
        }

        return line.ToString();
    }

    private static bool IsUnsafe(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
