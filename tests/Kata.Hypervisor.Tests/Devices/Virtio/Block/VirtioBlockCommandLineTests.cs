using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Vmm;
using Kata.Vmm;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary><c>--block PATH[,ro]</c> and the JSON <c>"block"</c> list → <see cref="VmConfig.BlockDevices"/>, and their errors.</summary>
public sealed class VirtioBlockCommandLineTests : IDisposable
{
    private readonly TempImage _image = new(sectors: 4);
    private readonly string _kernel;

    public VirtioBlockCommandLineTests()
    {
        _kernel = Path.Combine(_image.Directory, "vmlinux");
        File.WriteAllText(_kernel, "not really a kernel");
    }

    public void Dispose() => _image.Dispose();

    [Fact]
    public void NoBlockFlag_NoDisks()
    {
        Assert.Empty(ParseOk("--kernel", _kernel).BlockDevices);
    }

    [Fact]
    public void RepeatedBlockFlags_KeepTheirOrderAndReadOnlyFlags()
    {
        string second = CopyImage("second.img");
        string third = CopyImage("third.img");

        VmConfig config = ParseOk("--kernel", _kernel, "--block", _image.ImagePath, "--block", second + ",ro", "--block", third + ",rw");

        Assert.Equal(
            [
                new BlockDeviceConfig { Path = _image.ImagePath, ReadOnly = false },
                new BlockDeviceConfig { Path = second, ReadOnly = true },
                new BlockDeviceConfig { Path = third, ReadOnly = false },
            ],
            config.BlockDevices);
    }

    [Fact]
    public void APathWithACommaThatIsNotAnOption_IsTheWholePath()
    {
        string odd = CopyImage("disk,v2.img");
        VmConfig config = ParseOk("--kernel", _kernel, "--block", odd, "--block", odd + ",ro");
        Assert.Equal(odd, config.BlockDevices[0].Path);
        Assert.Equal(new BlockDeviceConfig { Path = odd, ReadOnly = true }, config.BlockDevices[1]);
    }

    [Fact]
    public void ASerialOption_InEitherOrderWithRo_NamesTheDiskForTheGuest()
    {
        string second = CopyImage("second.img");

        VmConfig config = ParseOk("--kernel", _kernel, "--block", _image.ImagePath + ",ro,serial=rootfs-abc", "--block", second + ",serial=data,rw");

        Assert.Equal(
            [
                new BlockDeviceConfig { Path = _image.ImagePath, ReadOnly = true, Serial = "rootfs-abc" },
                new BlockDeviceConfig { Path = second, ReadOnly = false, Serial = "data" },
            ],
            config.BlockDevices);
        using DiskImageFile disk = DiskImageFile.Open(_image.ImagePath, readOnly: true, config.BlockDevices[0].Serial);
        Assert.Equal("rootfs-abc"u8.ToArray().Concat(new byte[10]).ToArray(), disk.Serial.ToArray());
    }

    [Theory]
    [InlineData("rootfs-0123456789abcdef")]
    [InlineData("has space")]
    [InlineData("")]
    public void ASerialThatIsTooLongOrNotPrintable_IsAUsageErrorNamingIt(string serial)
    {
        string error = Assert.Single(ParseErrors("--kernel", _kernel, "--block", $"{_image.ImagePath},ro,serial={serial}"));
        Assert.Equal($"--block: {_image.ImagePath}: serial \"{serial}\" must be 1 to 20 printable ASCII characters without spaces (VIRTIO_BLK_ID_BYTES)", error);
    }

    [Fact]
    public void AMissingImage_IsAUsageErrorNamingTheFlagAndPath()
    {
        string missing = Path.Combine(_image.Directory, "nope.img");
        Assert.Equal([$"--block: {missing} does not exist"], ParseErrors("--kernel", _kernel, "--block", missing + ",ro"));
    }

    [Fact]
    public void ADirectory_AndABadSize_AreUsageErrors()
    {
        Assert.Equal([$"--block: {_image.Directory} is a directory, not a regular file or block device"],
            ParseErrors("--kernel", _kernel, "--block", _image.Directory));
        string odd = Path.Combine(_image.Directory, "odd.img");
        File.WriteAllBytes(odd, new byte[700]);
        Assert.Equal([$"--block: {odd} is 700 bytes, not a whole number of 512-byte sectors (pad or resize the image)"],
            ParseErrors("--kernel", _kernel, "--block", odd));
    }

    [Theory]
    [InlineData(",ro", "--block: ',ro' has no path before ',ro'")]
    [InlineData("", "--block: the path is empty")]
    public void AnEmptyPath_IsAUsageError(string value, string message)
    {
        Assert.Equal([message], ParseErrors("--kernel", _kernel, "--block", value));
    }

    [Fact]
    public void BlockWithoutAValue_IsAUsageError()
    {
        Assert.NotEmpty(ParseErrors("--kernel", _kernel, "--block"));
    }

    [Fact]
    public void JsonBlockList_WithRelativePaths_AndTheFlagReplacesIt()
    {
        string second = CopyImage("second.img");
        string json = Path.Combine(_image.Directory, "vmm.json");
        File.WriteAllText(json, """
            {
              "kernel": "vmlinux",
              "block": [ { "path": "disk.img" }, { "path": "second.img", "readOnly": true } ]
            }
            """);

        Assert.Equal(
            [new BlockDeviceConfig { Path = _image.ImagePath }, new BlockDeviceConfig { Path = second, ReadOnly = true }],
            ParseOk("--config", json).BlockDevices);
        Assert.Equal([new BlockDeviceConfig { Path = second, ReadOnly = true }],
            ParseOk("--config", json, "--block", second + ",ro").BlockDevices);
    }

    [Theory]
    [InlineData("""{ "kernel": "vmlinux", "block": [ { "readOnly": true } ] }""", "path")]
    [InlineData("""{ "kernel": "vmlinux", "block": [ { "path": "disk.img", "readonly": true } ] }""", "readonly")]
    [InlineData("""{ "kernel": "vmlinux", "block": [ null ] }""", "found null")]
    [InlineData("""{ "kernel": "vmlinux", "block": "disk.img" }""", "block")]
    public void MalformedJsonBlockEntries_AreUsageErrors(string content, string mentioned)
    {
        string json = Path.Combine(_image.Directory, "bad.json");
        File.WriteAllText(json, content);

        string error = Assert.Single(ParseErrors("--config", json));
        Assert.StartsWith($"--config: {json}", error, StringComparison.Ordinal);
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingJsonImage_NamesTheConfigProperty()
    {
        string json = Path.Combine(_image.Directory, "vmm.json");
        File.WriteAllText(json, """{ "kernel": "vmlinux", "block": [ { "path": "gone.img" } ] }""");

        Assert.Equal([$"\"block\" in {json}: {Path.Combine(_image.Directory, "gone.img")} does not exist"], ParseErrors("--config", json));
    }

    private string CopyImage(string name)
    {
        string path = Path.Combine(_image.Directory, name);
        File.Copy(_image.ImagePath, path);
        return path;
    }

    private static VmConfig ParseOk(params string[] args)
    {
        VmmCliResult result = VmmCommandLine.Parse(args);
        Assert.Empty(result.Errors);
        return Assert.IsType<VmmSettings>(result.Settings).Config;
    }

    private static IReadOnlyList<string> ParseErrors(params string[] args)
    {
        VmmCliResult result = VmmCommandLine.Parse(args);
        Assert.Null(result.Settings);
        return result.Errors;
    }
}
