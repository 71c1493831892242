using System.Text;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// The vSphere password, from where the user keeps it and never from the command line: an
/// environment variable (<see cref="DefaultVariable"/> or one the user names), a file only its
/// owner may read, or a prompt on the terminal. <see cref="ToString"/> never shows it, so it
/// cannot reach a message, log or report by accident.
/// </summary>
public sealed class VSpherePassword
{
    public const string DefaultVariable = "V2V_VSPHERE_PASSWORD";

    /// <summary>Longest password read from a file (vCenter allows 20 characters by default).</summary>
    public const int MaxFileLength = 4096;

    private VSpherePassword(string value, string origin)
    {
        Value = value;
        Origin = origin;
    }

    /// <summary>The password itself; only the SOAP Login body uses it.</summary>
    internal string Value { get; }

    /// <summary>Where it came from ("environment variable V2V_VSPHERE_PASSWORD"), for messages.</summary>
    public string Origin { get; }

    public override string ToString() => $"(password from {Origin})";

    public static VSpherePassword Of(string value, string origin) =>
        string.IsNullOrEmpty(value) ? throw new UsageException($"the vSphere password from {origin} is empty") : new(value, origin);

    /// <summary>From an environment variable; null when it is unset.</summary>
    public static VSpherePassword? FromEnvironment(string variable = DefaultVariable) =>
        Environment.GetEnvironmentVariable(variable) is { } value ? Of(value, $"environment variable {variable}") : null;

    /// <summary>
    /// From a file's first line. On Unix the file must be readable by its owner only (mode 600 or
    /// 400), as ssh insists for its keys: a password others can read is refused, not used.
    /// </summary>
    public static VSpherePassword FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: password file does not exist");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
            {
                throw new UsageException($"{path}: password file can be read or written by other users; make it readable by its owner only (chmod 600 {path})");
            }
        }

        using var stream = File.OpenRead(path);
        if (stream.Length > MaxFileLength)
        {
            throw new UsageException($"{path}: password file is {stream.Length} bytes, more than a password's {MaxFileLength}");
        }

        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        string text = Encoding.UTF8.GetString(bytes);
        int end = text.IndexOfAny(['\r', '\n']);
        return Of(end < 0 ? text : text[..end], $"file {path}");
    }

    /// <summary>Asks on the terminal without echo; refused when stdin is not a terminal.</summary>
    public static VSpherePassword Prompt(string user, string server)
    {
        if (Console.IsInputRedirected)
        {
            throw new UsageException($"no vSphere password: set {DefaultVariable} (or name a variable with --password-env), give --password-file, or run on a terminal to be asked");
        }

        Console.Error.Write($"password for {user} at {server}: ");
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return Of(typed.ToString(), "the terminal");
    }

    /// <summary>The order the CLI and job files follow: a named file, a named variable, the default variable, the terminal.</summary>
    public static VSpherePassword Resolve(string? file, string? variable, string user, string server)
    {
        if (file is not null)
        {
            return FromFile(file);
        }

        if (variable is not null)
        {
            return FromEnvironment(variable) ?? throw new UsageException($"environment variable {variable} (named for the vSphere password) is not set");
        }

        return FromEnvironment() ?? Prompt(user, server);
    }
}
