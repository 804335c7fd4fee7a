# Video Studio: `make package` builds the one-folder bundle (see packaging/README.md).
# Setting up and testing are ./run.sh and ./test.sh (see README.md).

.PHONY: package clean-package

# dist/video-studio/: the `video-studio` executable and everything it needs, no Python required.
package:
	packaging/build.sh

# Also removes dist/ and build/ when nothing else is in them.
clean-package:
	rm -rf dist/video-studio build/pyinstaller
	rmdir dist build 2>/dev/null || true
