using V2V.Core.Errors;
using V2V.Core;

namespace V2V.Cli.Tests;

public class ByteSizeTests
{
    [TestCase("1048576", 1048576L)]
    [TestCase("1M", 1048576L)]
    [TestCase("32MiB", 33554432L)]
    [TestCase("2G", 2147483648L)]
    [TestCase("4k", 4096L)]
    [TestCase("1 TiB", 1099511627776L)]
    public void Sizes_parse_as_binary_units(string text, long bytes) =>
        Assert.That(ByteSize.Parse(text, "size"), Is.EqualTo(bytes));

    [TestCase("")]
    [TestCase("-1M")]
    [TestCase("1.5M")]
    [TestCase("99999999999T")]
    public void Nonsense_is_refused(string text) =>
        Assert.Throws<UsageException>(() => ByteSize.Parse(text, "size"));
}
