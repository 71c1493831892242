using System.Diagnostics;
using System.Globalization;
using V2V.TestSupport;

// V2V benchmark: builds fixtures, then times `v2v convert` against `qemu-img convert` on the same
// input in the same run, and prints the ratios the issues ask for: of the medians (the verdict) and
// of the best runs. Each case starts with a warm-up round that is not counted. Run from the repository root:
//   dotnet run -c Release --project tests/V2V.Benchmarks [-- --repeat 5] [--v2v PATH] [--only vhdx,vmdk,ova,xva,chain,sparse,inspect,vsphere,fixups]
// Needs qemu-img, GNU time (/usr/bin/time) and clang: apt-get install qemu-utils time clang; the
// inspect case also needs the guest fixture's tools (ntfs-3g, libhivex-bin, libwin-hivex-perl),
// strace (bytes read) and virt-inspector (libguestfs-tools); the vsphere case needs curl and the
// simulator tests/run.sh builds (artifacts/tools/vcsim/vcsim, else /tmp/vcsim-v2v/vcsim).
// v2v is measured as installed: the native executable `dotnet publish -r linux-x64` makes (see the
// README); --v2v PATH measures an executable built already (e.g. with -p:IlcInstructionSet=x86-64-v2).

int repeat = Option("--repeat") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5;
var only = Option("--only")?.Split(',') ?? ["vhdx", "vmdk", "ova", "xva", "chain", "sparse", "inspect", "vsphere", "fixups"];
string root = RepositoryPaths.Root;
string work = Path.Combine(root, "bench-work");
Directory.CreateDirectory(work);
string v2v;
if (Option("--v2v") is { } given)
{
    v2v = Path.GetFullPath(given);
}
else
{
    string published = Path.Combine(work, "v2v");
    if (Directory.Exists(published))
    {
        Directory.Delete(published, recursive: true);
    }

    Run("dotnet", ["publish", Path.Combine(root, "src", "V2V.Cli"), "-c", "Release", "-r", "linux-x64", "-o", published, "-v", "quiet", "-nologo"]);
    v2v = Path.Combine(published, "v2v");
}

// What the figures depend on: the CPU, and the instruction sets the measured binary uses.
Run(v2v, ["version"]);
MemoryReporting();

const long MiB = 1024 * 1024;
const int WarmUp = -1;
var rows = new List<string>();
long peakKiB = 0;

// 1. 2 GiB raw, 25 % allocated in scattered 1 MiB runs, half random, half repeated bytes.
//    qemu-img convert does not flush its output by default (cache=unsafe); v2v fsyncs before the
//    rename unless --no-sync. Both pairings are measured: like for like, and defaults.
string scattered = Fixture("scattered-2g.raw", 2048 * MiB, SparseImage.Scattered(2048 * MiB, 0.25, (int)MiB));
if (only.Contains("vhdx"))
{
    Compare("2 GiB / 25 % raw -> dynamic VHDX 32 MiB, no flush (v2v --no-sync, qemu-img default)", "out.vhdx",
        ["convert", scattered, "{out}", "--no-sync", "--force"],
        ["convert", "-f", "raw", "-O", "vhdx", "-o", "subformat=dynamic,block_size=32M", scattered, "{out}"], goal: 0.8);
    Compare("2 GiB / 25 % raw -> dynamic VHDX 32 MiB, flushed (v2v default, qemu-img -t writeback)", "out.vhdx",
        ["convert", scattered, "{out}", "--force"],
        ["convert", "-t", "writeback", "-f", "raw", "-O", "vhdx", "-o", "subformat=dynamic,block_size=32M", scattered, "{out}"], goal: 0.8);
    Compare("2 GiB / 25 % raw -> dynamic VHDX 1 MiB, no flush", "out.vhdx",
        ["convert", scattered, "{out}", "--block-size", "1M", "--no-sync", "--force"],
        ["convert", "-f", "raw", "-O", "vhdx", "-o", "subformat=dynamic,block_size=1M", scattered, "{out}"],
        checkSize: 512 * MiB + 8 * MiB, goal: 0.5);
}

// 2. The same disk as VMware sources: streamOptimized (grains inflated on every core) and monolithicSparse.
string streamVmdk = Path.Combine(work, "scattered-2g-stream.vmdk");
string sparseVmdk = Path.Combine(work, "scattered-2g-sparse.vmdk");
if (!File.Exists(streamVmdk))
{
    Run("qemu-img", ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", scattered, streamVmdk]);
}

if (!File.Exists(sparseVmdk))
{
    Run("qemu-img", ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=monolithicSparse", scattered, sparseVmdk]);
}

if (only.Contains("vmdk"))
{
    Compare("2 GiB / 25 % streamOptimized VMDK -> dynamic VHDX 32 MiB, no flush", "out.vhdx",
        ["convert", streamVmdk, "{out}", "--no-sync", "--force"],
        ["convert", "-f", "vmdk", "-O", "vhdx", "-o", "subformat=dynamic,block_size=32M", streamVmdk, "{out}"], goal: 0.3);
    Compare("2 GiB / 25 % monolithicSparse VMDK -> dynamic VHDX 32 MiB, no flush", "out.vhdx",
        ["convert", sparseVmdk, "{out}", "--no-sync", "--force"],
        ["convert", "-f", "vmdk", "-O", "vhdx", "-o", "subformat=dynamic,block_size=32M", sparseVmdk, "{out}"], goal: 0.8);
}

// 3. An OVA holding that streamOptimized disk, against the same disk as a VMDK file (interleaved):
//    nothing but the target may be written (GNU time's file-system outputs against the target's size).
if (only.Contains("ova"))
{
    string ovaFolder = Path.Combine(work, "ova");
    string ova = Path.Combine(work, "scattered-2g.ova");
    if (!File.Exists(ova))
    {
        Directory.CreateDirectory(ovaFolder);
        var builder = new OvaBuilder(ovaFolder);
        builder.AddDisk("bench", scattered, 2048 * MiB);
        builder.Pack("bench", ova);
    }

    string ovaOut = Path.Combine(work, "ova-out");
    string fileOut = Path.Combine(work, "vmdk-file.vhdx");
    var checkedRuns = new List<Measurement>();
    var skippedRuns = new List<Measurement>();
    var fileRuns = new List<Measurement>();
    for (int i = WarmUp; i < repeat; i++)
    {
        File.Delete(fileOut);
        Keep(i, fileRuns, TimeV2v(["convert", streamVmdk, fileOut, "--no-sync", "--force"]));
        foreach (var (runs, options) in new[] { (checkedRuns, Array.Empty<string>()), (skippedRuns, ["--skip-manifest-check"]) })
        {
            if (Directory.Exists(ovaOut))
            {
                Directory.Delete(ovaOut, recursive: true);
            }

            Keep(i, runs, TimeV2v(["convert", ova, ovaOut, "--no-sync", "--force", .. options]));
        }
    }

    var fileRun = Median(fileRuns);
    var checkedRun = Median(checkedRuns);
    long ovaTarget = Directory.GetFiles(ovaOut).Sum(f => new FileInfo(f).Length);
    long ovaStored = Directory.GetFiles(ovaOut).Sum(f => StoredBytes(f));
    // With the manifest checked, the member's SHA-256 (one sequential stream) adds its CPU to the
    // conversion's: the machine's cores cannot finish the run's CPU time sooner than it divided among them.
    double checkedCpu = MedianCpu(checkedRuns), hashCpu = checkedCpu - MedianCpu(skippedRuns);
    double floor = Math.Max(checkedCpu / Environment.ProcessorCount, hashCpu);
    rows.Add(Row("2 GiB / 25 % streamOptimized VMDK file -> VHDX (reference for OVA)", null, fileRun, null));
    rows.Add(Row("2 GiB / 25 % OVA (same disk, SHA-256 manifest checked) -> VHDX, no flush", null, checkedRun, string.Create(CultureInfo.InvariantCulture,
        $"{Ratios(checkedRuns, fileRuns, 1.1)} of the VMDK file; floor x{floor / fileRun.Seconds:0.00}: {checkedCpu:0.00} s of CPU (the manifest's SHA-256 {hashCpu:0.00} s of it) on {Environment.ProcessorCount} cores")));
    rows.Add(Row("2 GiB / 25 % OVA (same disk, --skip-manifest-check) -> VHDX, no flush", null, Median(skippedRuns),
        $"{Ratios(skippedRuns, fileRuns, 1.1)} of the VMDK file; wrote {Median(skippedRuns).WrittenBytes / MiB} MiB for {ovaStored / MiB} MiB of targets ({ovaTarget / MiB} MiB long)"));
}

// 4. XVA: 1 GiB / 25 % exported as xapi does (1 MiB chunks, zero chunks omitted, XXH64 members),
//    against converting the same raw disk.
if (only.Contains("xva"))
{
    string xvaRaw = Fixture("scattered-1g.raw", 1024 * MiB, SparseImage.Scattered(1024 * MiB, 0.25, (int)MiB, seed: 11));
    string xva = Path.Combine(work, "scattered-1g.xva");
    if (!File.Exists(xva))
    {
        var xvaBuilder = new XvaBuilder(work) { VmName = "bench" };
        xvaBuilder.AddDisk(xvaRaw, 1024 * MiB, 0, "bench");
        xvaBuilder.Build(xva);
    }

    var rawRuns = new List<Measurement>();
    var xvaRuns = new List<Measurement>();
    string xvaOut = Path.Combine(work, "xva-out");
    // These runs take a tenth of a second each, where this machine's noise is a third of that: twice the
    // runs, interleaved, for a steadier median.
    for (int i = WarmUp; i < repeat * 2 + 1; i++)
    {
        File.Delete(Path.Combine(work, "xva-raw.vhdx"));
        Keep(i, rawRuns, TimeV2v(["convert", xvaRaw, Path.Combine(work, "xva-raw.vhdx"), "--no-sync", "--force"]));
        if (Directory.Exists(xvaOut))
        {
            Directory.Delete(xvaOut, recursive: true);
        }

        Keep(i, xvaRuns, TimeV2v(["convert", xva, xvaOut, "--no-sync", "--force"]));
    }

    var rawRun = Median(rawRuns);
    var xvaRun = Median(xvaRuns);
    rows.Add(Row("1 GiB / 25 % raw -> VHDX (reference for XVA)", null, rawRun, null));
    // Both runs keep the cores busy, so the wall ratio follows the CPU ratio; the difference is the
    // XXH64 checks, which no faster code removes (they run at xxhsum's speed).
    double xvaCpu = MedianCpu(xvaRuns), rawCpu = MedianCpu(rawRuns);
    rows.Add(Row("1 GiB / 25 % XVA (XXH64 checked) -> VHDX", null, xvaRun, string.Create(CultureInfo.InvariantCulture,
        $"{Ratios(xvaRuns, rawRuns, 1.1)} of raw -> VHDX; CPU x{xvaCpu / rawCpu:0.00} of raw -> VHDX's ({xvaCpu:0.00} s against {rawCpu:0.00} s); wrote {xvaRun.WrittenBytes / MiB} MiB")));
}

// 5. A two-step chain (streamOptimized VMDK + dynamic VHDX) from one read, against each step alone
//    and against doing the same with qemu-img as a user would: raw -> VMDK, then VMDK -> VHDX.
if (only.Contains("chain"))
{
    string chainFolder = Path.Combine(work, "chain");
    string chainOut = Path.Combine(chainFolder, "out");
    Directory.CreateDirectory(chainOut);
    File.WriteAllText(Path.Combine(chainFolder, "pipeline.yaml"),
        "version: 1\n" +
        "defaults: { overwrite: true }\n" +
        "jobs:\n" +
        "  - name: chain\n" +
        $"    source: {{ path: {scattered} }}\n" +
        "    chain:\n" +
        "      - { format: vmdk, subformat: streamOptimized, path: out/chain.vmdk }\n" +
        "      - { format: vhdx, subformat: dynamic, path: out/chain.vhdx }\n");
    var vmdkAlone = new List<Measurement>();
    var vhdxAlone = new List<Measurement>();
    var chained = new List<Measurement>();
    var qemuChain = new List<Measurement>();
    string qemuVmdk = Path.Combine(chainFolder, "qemu.vmdk");
    string qemuVhdx = Path.Combine(chainFolder, "qemu.vhdx");
    (string[] Outputs, Func<Measurement> Measure, List<Measurement> Runs)[] chainRuns =
    [
        ([Path.Combine(chainFolder, "alone.vmdk")], () => TimeV2v(["convert", scattered, Path.Combine(chainFolder, "alone.vmdk"), "--no-sync", "--force"]), vmdkAlone),
        ([Path.Combine(chainFolder, "alone.vhdx")], () => TimeV2v(["convert", scattered, Path.Combine(chainFolder, "alone.vhdx"), "--no-sync", "--force"]), vhdxAlone),
        ([Path.Combine(chainOut, "chain.vmdk"), Path.Combine(chainOut, "chain.vhdx")], () => TimeV2v(["run", Path.Combine(chainFolder, "pipeline.yaml"), "--no-sync"]), chained),
        ([qemuVmdk, qemuVhdx], () =>
        {
            var first = Time("qemu-img", ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", scattered, qemuVmdk]);
            var second = Time("qemu-img", ["convert", "-f", "vmdk", "-O", "vhdx", "-o", "subformat=dynamic,block_size=32M", qemuVmdk, qemuVhdx], sync: false);
            return new Measurement(first.Seconds + second.Seconds, Math.Max(first.PeakKiB, second.PeakKiB), first.WrittenBytes + second.WrittenBytes) { CpuSeconds = first.CpuSeconds + second.CpuSeconds };
        }, qemuChain),
    ];
    // The ratio of two medians is noisier than either: more rounds. Each run deletes its own earlier
    // output just before it and the order rotates, so no run always meets the same state of free
    // memory: on this VM, memory freed seconds earlier is handed back to the host, and a new file's
    // page cache then costs 4-6x the CPU of one written into memory freed just before.
    for (int i = WarmUp; i < repeat * 2 - 1; i++)
    {
        for (int k = 0; k < chainRuns.Length; k++)
        {
            var (outputs, measure, runs) = chainRuns[(i + chainRuns.Length + k) % chainRuns.Length];
            foreach (var old in outputs)
            {
                File.Delete(old);
            }

            Keep(i, runs, measure());
        }
    }

    // The costliest step by median; its best runs are compared with the chain's best runs.
    var slowest = Median(vmdkAlone).Seconds > Median(vhdxAlone).Seconds ? vmdkAlone : vhdxAlone;
    rows.Add(Row("2 GiB / 25 % raw -> streamOptimized VMDK alone", null, Median(vmdkAlone), null));
    rows.Add(Row("2 GiB / 25 % raw -> dynamic VHDX alone", null, Median(vhdxAlone), null));
    rows.Add(Row("2 GiB / 25 % raw -> chain VMDK + VHDX, one read (qemu-img: raw -> VMDK, then VMDK -> VHDX)", Median(qemuChain), Median(chained),
        $"{Ratios(chained, qemuChain, 0.6)} of qemu-img's two steps; {Ratios(chained, slowest, 1.3)} of the costliest step alone ({(slowest == vmdkAlone ? "VMDK" : "VHDX")})"));
}

// 6. 64 MiB of data in a 4 TiB sparse raw, against the same data in 64 GiB: time and memory must not follow capacity.
if (only.Contains("sparse"))
{
    var sparseRuns = Enumerable.Range(0, 64).Select(i => new DataRun(i * (64L << 30) / 64, (int)MiB, i % 2 == 0 ? RunFill.Random : RunFill.Repeated, (byte)(i + 1))).ToList();
    string small = Fixture("sparse-64g.raw", 64L << 30, sparseRuns);
    string huge = Fixture("sparse-4t.raw", 4L << 40, sparseRuns.Select((r, i) => r with { Offset = i * (4L << 40) / 64 }).ToList());
    var smallRuns = new List<Measurement>();
    var hugeRuns = new List<Measurement>();
    for (int i = 0; i < repeat; i++)
    {
        smallRuns.Add(TimeV2v(["convert", small, Path.Combine(work, "small.vhdx"), "--force"]));
        hugeRuns.Add(TimeV2v(["convert", huge, Path.Combine(work, "huge.vhdx"), "--force"]));
    }

    var smallRun = Median(smallRuns);
    var hugeRun = Median(hugeRuns);
    rows.Add(Row("64 MiB data in 64 GiB sparse raw -> VHDX", null, smallRun, null));
    rows.Add(Row("64 MiB data in 4 TiB sparse raw -> VHDX", null, hugeRun, string.Create(CultureInfo.InvariantCulture,
        $"{hugeRun.Seconds:0.00} s (target < 1 s: {(hugeRun.Seconds < 1 ? "met" : "MISSED")}); x{hugeRun.Seconds / smallRun.Seconds:0.00} the time and x{(double)hugeRun.PeakKiB / smallRun.PeakKiB:0.00} the peak RSS of 64 GiB")));
}

// 7. v2v inspect on a 64 GiB dynamic VHDX holding the Server 2003 fixture guest, beside
//    virt-inspector on the same image (it boots an appliance under software emulation here).
//    Bytes read = what the v2v process read(2)/pread(2) from the image file, counted by strace.
if (only.Contains("inspect"))
{
    string guestVhdx = Path.Combine(work, "inspect-64g.vhdx");
    if (!File.Exists(guestVhdx))
    {
        string raw = new WindowsGuestFixture().Build(work, "inspect-guest.img");
        using (var file = new FileStream(raw, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(64L << 30);
        }

        Run("qemu-img", ["convert", "-f", "raw", "-O", "vhdx", "-o", "subformat=dynamic", raw, guestVhdx]);
        File.Delete(raw);
    }

    var inspectRuns = new List<Measurement>();
    for (int i = 0; i < repeat; i++)
    {
        inspectRuns.Add(Time(v2v, ["inspect", guestVhdx], sync: false));
    }

    var inspectRun = Median(inspectRuns);
    long bytesRead = ImageBytesRead(guestVhdx, ["inspect", guestVhdx]);
    Environment.SetEnvironmentVariable("LIBGUESTFS_BACKEND", "direct");
    Environment.SetEnvironmentVariable("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
    var virtInspector = Time("virt-inspector", ["--format=vhdx", "-a", guestVhdx], sync: false);
    rows.Add(Row("v2v inspect of a 64 GiB dynamic VHDX (Server 2003 guest) vs virt-inspector (TCG)", virtInspector, inspectRun, string.Create(CultureInfo.InvariantCulture,
        $"{inspectRun.Seconds:0.000} s (target < 1 s: {(inspectRun.Seconds < 1 ? "met" : "MISSED")}); read {bytesRead / (double)MiB:0.0} MiB of the image (target <= 32 MiB: {(bytesRead == 0 ? "NOT COUNTED: strace saw no read of the image" : bytesRead <= 32 * MiB ? "met" : "MISSED")})")));
}

// 8. A VM's 1 GiB / 25 % monolithicFlat disk read from govmomi's simulator over loopback (the
//    datastore file route, parallel ranged GETs) and converted, against curl downloading the same
//    -flat.vmdk from the same server into a file, interleaved. Neither flushes.
if (only.Contains("vsphere"))
{
    string flatRaw = Fixture("scattered-1g.raw", 1024 * MiB, SparseImage.Scattered(1024 * MiB, 0.25, (int)MiB, seed: 11));
    string simFolder = Path.Combine(work, "vcsim");
    Directory.CreateDirectory(simFolder);
    string simulator = new[] { Path.Combine(root, "artifacts", "tools", "vcsim", "vcsim"), "/tmp/vcsim-v2v/vcsim" }.First(File.Exists);
    var simStart = new ProcessStartInfo(simulator) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    simStart.Environment["TMPDIR"] = simFolder;
    foreach (var a in (string[])["-listen", "127.0.0.1:0", "-key-type", "ecdsa256", "-exit-on-stdin-eof", "-autostart=false", "-username", "bench", "-password", "bench-password"])
    {
        simStart.ArgumentList.Add(a);
    }

    using var sim = Process.Start(simStart)!;
    _ = sim.StandardError.BaseStream.CopyToAsync(Stream.Null);
    using var info = System.Text.Json.JsonDocument.Parse(sim.StandardOutput.ReadLine()!);
    var url = new Uri(info.RootElement.GetProperty("url").GetString()!);
    string thumbprint = info.RootElement.GetProperty("sha256").GetString()!;
    string vmFolder = Path.Combine(info.RootElement.GetProperty("datastores")[0].GetProperty("localPath").GetString()!, "DC0_H0_VM0");
    File.Delete(Path.Combine(vmFolder, "disk1-flat.vmdk"));
    Run("qemu-img", ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=monolithicFlat", flatRaw, Path.Combine(vmFolder, "disk1.vmdk")]);
    Environment.SetEnvironmentVariable("V2V_VSPHERE_PASSWORD", "bench-password");
    string vsphereOut = Path.Combine(work, "vsphere-out");
    string curlOut = Path.Combine(work, "curl-flat.vmdk");
    var v2vRuns = new List<Measurement>();
    var curlRuns = new List<Measurement>();
    try
    {
        for (int i = 0; i < repeat; i++)
        {
            File.Delete(curlOut);
            curlRuns.Add(Time("curl", ["-skf", "-o", curlOut, $"https://{url.Authority}/folder/DC0_H0_VM0/disk1-flat.vmdk?dcPath=DC0&dsName=LocalDS_0"]));
            if (Directory.Exists(vsphereOut))
            {
                Directory.Delete(vsphereOut, recursive: true);
            }

            v2vRuns.Add(TimeV2v(["convert", $"vsphere://bench@{url.Authority}/DC0/vm/DC0_H0_VM0", vsphereOut, "--thumbprint", thumbprint, "--no-sync", "--force"]));
        }
    }
    finally
    {
        sim.StandardInput.Close();
        sim.WaitForExit(10_000);
    }

    if (new FileInfo(curlOut).Length != 1024 * MiB)
    {
        throw new InvalidOperationException($"curl downloaded {new FileInfo(curlOut).Length} bytes, not 1 GiB");
    }

    var curlRun = Median(curlRuns);
    var vsphereRun = Median(v2vRuns);
    rows.Add(Row("1 GiB / 25 % -flat.vmdk downloaded by curl from vcsim (reference)", null, curlRun, null));
    rows.Add(Row("1 GiB / 25 % monolithicFlat disk of a vcsim VM -> VHDX (vsphere://, datastore route), no flush", null, vsphereRun,
        $"{Ratios(v2vRuns, curlRuns, 1.2)} of curl's download"));
}

// 9. The Windows fixups' cost: the Server 2003 fixture guest at the start of a 2 GiB disk whose
//    other data (25 % in all) is scattered behind its partition, converted to VHDX with
//    --fixups auto and --fixups off, alternating, in the same run.
if (only.Contains("fixups"))
{
    string guestDisk = Path.Combine(work, "fixups-2g.raw");
    if (!File.Exists(guestDisk))
    {
        string raw = new WindowsGuestFixture().Build(work, "fixups-guest.img");
        long guestLength = new FileInfo(raw).Length;
        var behind = SparseImage.Scattered(2048 * MiB, 0.25, (int)MiB).Where(run => run.Offset >= guestLength).ToList();
        SparseImage.Create(guestDisk, 2048 * MiB, behind);
        using (var target = new FileStream(guestDisk, FileMode.Open, FileAccess.Write))
        using (var source = File.OpenRead(raw))
        {
            source.CopyTo(target);
        }

        File.Delete(raw);
    }

    string fixedOut = Path.Combine(work, "fixups.vhdx");
    var autoRuns = new List<Measurement>();
    var offRuns = new List<Measurement>();
    for (int i = 0; i < repeat; i++)
    {
        foreach (var (mode, runs) in new[] { ("off", offRuns), ("auto", autoRuns) })
        {
            File.Delete(fixedOut);
            runs.Add(TimeV2v(["convert", guestDisk, fixedOut, "--fixups", mode, "--no-sync", "--force"]));
        }
    }

    var auto = Median(autoRuns);
    var off = Median(offRuns);
    double overhead = auto.Seconds - off.Seconds;
    bool met = overhead <= 0.2 || overhead / off.Seconds <= 0.02;
    rows.Add(Row("2 GiB / 25 % raw with a Windows volume -> VHDX, --fixups off", null, off, null));
    rows.Add(Row("2 GiB / 25 % raw with a Windows volume -> VHDX, --fixups auto", null, auto, string.Create(CultureInfo.InvariantCulture,
        $"fixups add {overhead:0.000} s ({overhead / off.Seconds * 100:0.0} %; target <= 2 % or 0.2 s: {(met ? "met" : "MISSED")}); peak RSS {auto.PeakKiB / 1024} MiB vs {off.PeakKiB / 1024} MiB")));
}

Console.WriteLine();
Console.WriteLine("| scenario | qemu-img s | v2v s | v2v / qemu-img | v2v peak RSS | output |");
Console.WriteLine("|---|---|---|---|---|---|");
rows.ForEach(Console.WriteLine);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS target <= 64 MiB: {(peakKiB <= 64 * 1024 ? "met" : "MISSED")} (largest {peakKiB / 1024.0:0} MiB)"));
return 0;

string? Option(string name) => Array.IndexOf(args, name) is int at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;

static string Ratio(double ratio, double target) =>
    string.Create(CultureInfo.InvariantCulture, $"x{ratio:0.00} (target <= {target:0.0#}: {(ratio <= target ? "met" : "MISSED")})");

// The ratio of the medians, which the verdict is on, then the ratio of the best runs (the fastest
// of each side): on a noisy machine the two together tell a slow mode from a real cost.
static string Ratios(List<Measurement> runs, List<Measurement> reference, double? target)
{
    double median = Median(runs).Seconds / Median(reference).Seconds;
    double best = runs.Min(r => r.Seconds) / reference.Min(r => r.Seconds);
    return string.Create(CultureInfo.InvariantCulture,
        $"{(target is { } t ? Ratio(median, t) : $"x{median:0.00}")} (medians); x{best:0.00} (best runs, {runs.Count} and {reference.Count})");
}

// What makes single runs on a VM bimodal: free page reporting (virtio-balloon) hands freed blocks
// back to the host, and page cache written into them again is faulted back in from the host, which
// costs several times the run's own system time. Only reported, never changed.
static void MemoryReporting()
{
    const string folder = "/sys/module/page_reporting/parameters";
    string order = Path.Combine(folder, "page_reporting_order");
    if (!File.Exists(order))
        return;
    int orderValue = int.Parse(File.ReadAllText(order).Trim(), CultureInfo.InvariantCulture);
    Console.WriteLine($"memory    free page reporting order {orderValue} ({order})");
    // Some guest kernels (Firecracker's) also wait min_free_ms before reporting a freed page.
    string minFree = Path.Combine(folder, "min_free_ms");
    int? minFreeValue = File.Exists(minFree) ? int.Parse(File.ReadAllText(minFree).Trim(), CultureInfo.InvariantCulture) : null;
    if (minFreeValue is { } ms)
        Console.WriteLine($"          min_free_ms {ms} ({minFree})");
    if (orderValue < 10 || minFreeValue < 30000)
    {
        Console.WriteLine($"          runs may be bimodal while freed memory goes back to the host at once; as root: echo 10 > {order}");
        if (minFreeValue is not null)
            Console.WriteLine($"          and echo 30000 > {minFree} (report a page only after 30 s free)");
    }
}

string Fixture(string name, long capacity, IReadOnlyList<DataRun> runs)
{
    string path = Path.Combine(work, name);
    if (!File.Exists(path) || new FileInfo(path).Length != capacity)
    {
        Console.WriteLine($"building {name} ...");
        SparseImage.Create(path, capacity, runs);
    }

    return path;
}

void Compare(string name, string output, string[] v2vArgs, string[] qemuArgs, double goal, long? checkSize = null)
{
    string target = Path.Combine(work, output);
    var qemuRuns = new List<Measurement>();
    var v2vRuns = new List<Measurement>();
    for (int i = WarmUp; i < repeat; i++)
    {
        File.Delete(target);
        var q = Time("qemu-img", qemuArgs.Select(a => a.Replace("{out}", target, StringComparison.Ordinal)).ToArray());
        File.Delete(target);
        var v = TimeV2v(v2vArgs.Select(a => a.Replace("{out}", target, StringComparison.Ordinal)).ToArray());
        Keep(i, qemuRuns, q);
        Keep(i, v2vRuns, v);
    }

    long length = new FileInfo(target).Length;
    string size = checkSize is { } limit ? $"{length / MiB} MiB (limit {limit / MiB} MiB: {(length <= limit ? "ok" : "TOO BIG")})" : $"{length / MiB} MiB";
    rows.Add(Row(name, Median(qemuRuns), Median(v2vRuns), $"{Ratios(v2vRuns, qemuRuns, goal)}; {size}"));
}

// Round WarmUp (-1) of a case is run and printed but not counted: its first runs would otherwise
// pay for inputs whose page cache the VM dropped while other cases ran.
void Keep(int round, List<Measurement> runs, Measurement measured)
{
    if (round >= 0)
    {
        runs.Add(measured);
    }
    else
    {
        Console.WriteLine("  (warm-up round above: not counted)");
    }
}

static Measurement Median(List<Measurement> runs)
{
    var sorted = runs.OrderBy(r => r.Seconds).ToList();
    return sorted[sorted.Count / 2] with { PeakKiB = runs.Max(r => r.PeakKiB) };
}

static double MedianCpu(List<Measurement> runs) => runs.Select(r => r.CpuSeconds).Order().ElementAt(runs.Count / 2);

void Run(string program, string[] arguments)
{
    var start = new ProcessStartInfo(program) { UseShellExecute = false };
    foreach (var a in arguments)
    {
        start.ArgumentList.Add(a);
    }

    using var process = Process.Start(start)!;
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed");
    }
}

Measurement TimeV2v(string[] arguments)
{
    var measured = Time(v2v, [.. arguments, "--no-progress"]);
    peakKiB = Math.Max(peakKiB, measured.PeakKiB);
    return measured;
}

Measurement Time(string program, string[] arguments, bool sync = true)
{
    // Every run starts with no dirty pages left by the one before: the kernel writing those back
    // on one of the two cores would be charged to whichever tool ran next.
    if (sync)
    {
        Run("sync", []);
    }

    var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in (string[])["-f", "TIME %e %M %O %U %S", program, .. arguments])
    {
        start.ArgumentList.Add(a);
    }

    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    string stdout = process.StandardOutput.ReadToEnd();
    string stderr = process.StandardError.ReadToEnd();
    process.WaitForExit();
    clock.Stop();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {stderr}{stdout}");
    }

    var line = stderr.Split('\n').Last(l => l.StartsWith("TIME ", StringComparison.Ordinal)).Split(' ');
    var measured = new Measurement(clock.Elapsed.TotalSeconds, long.Parse(line[2], CultureInfo.InvariantCulture), long.Parse(line[3], CultureInfo.InvariantCulture) * 512)
    {
        CpuSeconds = double.Parse(line[4], CultureInfo.InvariantCulture) + double.Parse(line[5], CultureInfo.InvariantCulture),
    };
    // User and system CPU beside each run: on this VM a slow run is almost all system time (page
    // cache faulted back in from the host), which the wall time alone does not tell apart.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {measured.Seconds:0.000} s  (user {line[4]} s, sys {line[5]} s)  {Path.GetFileName(program)} {string.Join(' ', arguments.Select(Path.GetFileName))}"));
    return measured;
}

// Bytes the v2v process read from one file: strace's read/pread64 results on descriptors that
// name it. One log per thread (-ff), so no call is split into "unfinished" and "resumed" lines,
// and -y prints each descriptor's path, so no openat/close bookkeeping is needed.
long ImageBytesRead(string image, string[] arguments)
{
    string folder = Path.Combine(work, "strace");
    if (Directory.Exists(folder))
    {
        Directory.Delete(folder, recursive: true);
    }

    Directory.CreateDirectory(folder);
    Run("strace", ["-f", "-ff", "-y", "-qq", "-e", "trace=read,pread64", "-o", Path.Combine(folder, "log"), v2v, .. arguments]);
    string descriptor = $"<{Path.GetFullPath(image)}>,";
    long total = 0;
    foreach (string log in Directory.EnumerateFiles(folder))
    {
        foreach (string line in File.ReadLines(log))
        {
            int equals = line.LastIndexOf(" = ", StringComparison.Ordinal);
            if ((line.StartsWith("read(", StringComparison.Ordinal) || line.StartsWith("pread64(", StringComparison.Ordinal))
                && line.Contains(descriptor, StringComparison.Ordinal)
                && equals > 0
                && long.TryParse(line.AsSpan(equals + 3).TrimEnd().ToString().Split(' ')[0], CultureInfo.InvariantCulture, out long result)
                && result > 0)
            {
                total += result;
            }
        }
    }

    Directory.Delete(folder, recursive: true);
    return total;
}

// Bytes a file occupies on disk (a sparse file occupies less than its length).
static long StoredBytes(string path)
{
    var start = new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true };
    using var process = Process.Start(start)!;
    var parts = process.StandardOutput.ReadToEnd().Trim().Split(' ');
    process.WaitForExit();
    return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
}

static string Row(string name, Measurement? qemu, Measurement v2v, string? output) =>
    string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {(qemu is null ? "" : $"{qemu.Seconds:0.00}")} | {v2v.Seconds:0.00} | {(qemu is null ? "" : $"{v2v.Seconds / qemu.Seconds:0.00}")} | {v2v.PeakKiB / 1024} MiB | {output} |");

internal sealed record Measurement(double Seconds, long PeakKiB, long WrittenBytes)
{
    /// <summary>User and system CPU, in seconds.</summary>
    public double CpuSeconds { get; init; }
}
