// Plain Kotlin, no Android: the view models, the repository over the
// bindings and the sync policy. It also compiles and runs on a desktop JVM
// (android-demo/tests/run does exactly that in CI).
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
}

// The uniffi bindings, generated from the Rust library by bindings/generate.
val generatedBindings = rootDir.resolve("../bindings/out/kotlin")
val generateBindings by tasks.registering(Exec::class) {
    workingDir = rootDir.resolve("..")
    commandLine("bash", "bindings/generate")
    outputs.dir(generatedBindings)
}

sourceSets {
    main {
        kotlin.srcDir(generatedBindings)
    }
}

tasks.named("compileKotlin") {
    dependsOn(generateBindings)
}

dependencies {
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
    // The app supplies JNA as the Android AAR; a desktop JVM the plain jar.
    compileOnly("net.java.dev.jna:jna:5.13.0")
}
